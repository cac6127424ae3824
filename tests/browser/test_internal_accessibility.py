"""Every internal page in the axe scan, and each dashboard variant (owner, board member,
privacy officer, admin), on the demo data (issue 11: the invisible "Nieuwe toetsing"
button passed a scan that never looked at it).

axe does not reliably catch text in link colour on a button of the same colour, so the
button's own contrast is computed from Chromium's computed styles as well.
"""

from __future__ import annotations

import re

import pytest

from assessments import operations as assessment_operations
from assessments.models import Assessment
from portal.auth import operations as account_operations
from portal.auth.demo_users import DEMO_PASSWORD
from portal.auth.models import User
from portal.extensions import db
from register.models import Algorithm
from tests.browser.conftest import assert_accessible, login, logout

# Pages that are not HTML: the internal record (PDF, checked by the record tests) and the
# evidence file of a condition (a download).
NOT_HTML = {"assessments.record_download", "assessments.condition_evidence"}

OWNER = "indiener@demo.utrecht.nl"
REVIEWER = "klankbord1@demo.utrecht.nl"
PRIVACY = "privacy@demo.utrecht.nl"
ADMIN = "beheer@demo.utrecht.nl"
DIRECTOR = "directeur@demo.utrecht.nl"

CONTRAST = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const parse = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  // The background is the first ancestor's that is not transparent.
  let node = el, background = null;
  while (node && node.nodeType === 1) {
    const rgba = parse(getComputedStyle(node).backgroundColor);
    if (rgba.length >= 3 && (rgba.length < 4 || rgba[3] > 0)) { background = rgba; break; }
    node = node.parentElement;
  }
  background = background || [255, 255, 255];
  const text = parse(getComputedStyle(el).color);
  const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
  return {ratio: (light + 0.05) / (dark + 0.05), text: getComputedStyle(el).color,
          background: background.join(",")};
}"""


def button_contrast(page, selector: str) -> dict:
    result = page.evaluate(CONTRAST, selector)
    assert result is not None, f"no element {selector}"
    return result


def internal_get_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/intern") and "GET" in (rule.methods or ())
    } - NOT_HTML


@pytest.fixture
def demo_ids(live_app, demo_data):
    with live_app.app_context():
        assessments = db.session.scalars(db.select(Assessment).order_by(Assessment.id)).all()
        owner = db.session.scalars(db.select(User).where(User.email == OWNER)).one()
        admin = db.session.scalars(db.select(User).where(User.email == ADMIN)).one()
        _user, secret = account_operations.invite(
            db.session, admin, "nieuw@demo.utrecht.nl", "Nina Nieuw", {"submitter"}
        )
        feedback_id = _a_residents_question(db.session)
        published = db.session.scalars(
            db.select(Algorithm).where(Algorithm.is_published).order_by(Algorithm.id)
        ).all()
        db.session.commit()
        return {
            "by_status": {a.status: a.id for a in assessments if a.owner_id == owner.id},
            "with_versions": [a.id for a in assessments if a.versions],
            "owner": owner.id,
            "secret": secret,
            "feedback": feedback_id,
            # Approved first: most follow-up pages are about an approved assessment.
            "assessments": sorted(
                (a.id for a in assessments),
                key=lambda i: next(a.status != "approved" for a in assessments if a.id == i),
            ),
            # The approved demo algorithm first: its aftercare pages have content.
            "slugs": ["slim-vegen", *[a.slug for a in published if a.slug != "slim-vegen"][:3]],
        }


def _a_residents_question(session) -> int | None:
    """One question from a resident, so the queue's item page is scanned too."""
    try:
        from register import feedback
        from register.models import Algorithm
    except ImportError:  # the residents' channel is not part of this build
        return None
    algorithm = session.scalars(db.select(Algorithm).order_by(Algorithm.id)).first()
    item = feedback.submit(session, algorithm, "Hoe kan ik bezwaar maken?", "")
    return item.id


def scan(page, url: str, label: str, seen: set[str], endpoint: str) -> None:
    response = page.goto(url)
    assert response.status == 200, f"{label}: {url} answered {response.status}"
    assert_accessible(page, label)
    seen.add(endpoint)


def test_every_internal_page_and_dashboard_passes_axe(page, live_app, demo_ids):
    seen: set[str] = set()
    ids = demo_ids["by_status"]
    draft = ids["draft"]

    scan(page, "/intern/inloggen", "login", seen, "auth.login")
    scan(
        page,
        f"/intern/uitnodiging/{demo_ids['secret']}",
        "invitation",
        seen,
        "auth.accept_invitation",
    )

    login(page, OWNER, DEMO_PASSWORD)
    scan(page, "/intern/", "owner dashboard", seen, "assessments.dashboard")
    scan(page, "/intern/toetsingen", "assessment list", seen, "assessments.index")
    scan(page, "/intern/toetsingen/nieuw", "new assessment", seen, "assessments.create")
    scan(page, "/intern/wachtwoord", "change password", seen, "auth.change_password")
    scan(page, "/intern/tokens", "API tokens", seen, "auth.tokens")
    scan(page, "/intern/beoordelen", "review queue (owner)", seen, "assessments.review_queue")
    for status, assessment_id in sorted(ids.items()):
        scan(
            page,
            f"/intern/toetsingen/{assessment_id}",
            f"overview ({status})",
            seen,
            "assessments.overview",
        )
    scan(
        page,
        f"/intern/toetsingen/{draft}/algoritme",
        "register fields",
        seen,
        "assessments.register_fields",
    )
    with live_app.app_context():
        bank = assessment_operations.bank_of(db.session.get(Assessment, draft))
        sections = [section.id for section in bank.sections]
    for section_id in sections:
        scan(
            page,
            f"/intern/toetsingen/{draft}/{section_id}",
            f"section {section_id}",
            seen,
            "assessments.section",
        )
    scan(
        page,
        f"/intern/toetsingen/{draft}/intrekken",
        "withdraw confirmation",
        seen,
        "assessments.withdraw_confirm",
    )
    if "changes_requested" in ids:  # the owner's view of a version sent back
        scan(
            page,
            f"/intern/toetsingen/{ids['changes_requested']}/core",
            "section after changes requested",
            seen,
            "assessments.section",
        )
    if demo_ids["feedback"] is not None:
        scan(page, "/intern/vragen", "residents' questions", seen, "residents.queue")
    logout(page)

    login(page, REVIEWER, DEMO_PASSWORD)
    scan(page, "/intern/", "board member dashboard", seen, "assessments.dashboard")
    scan(page, "/intern/beoordelen", "review queue", seen, "assessments.review_queue")
    page.goto("/intern/beoordelen")
    review_link = page.locator("a[href$='/beoordeling']").first
    scan(page, review_link.get_attribute("href"), "review page", seen, "assessments.review_page")
    logout(page)

    login(page, DIRECTOR, DEMO_PASSWORD)
    scan(page, "/intern/overzicht", "overview (director)", seen, "assessments.process_overview")
    logout(page)

    login(page, PRIVACY, DEMO_PASSWORD)
    scan(page, "/intern/", "privacy officer dashboard", seen, "assessments.dashboard")
    logout(page)

    login(page, ADMIN, DEMO_PASSWORD)
    scan(page, "/intern/", "admin dashboard", seen, "assessments.dashboard")
    scan(page, "/intern/beheer/gebruikers", "users", seen, "auth.users")
    scan(
        page,
        f"/intern/beheer/gebruikers/{demo_ids['owner']}",
        "edit user",
        seen,
        "auth.edit_user",
    )
    scan(
        page,
        f"/intern/beheer/gebruikers/{demo_ids['owner']}/deactiveren",
        "deactivate confirmation",
        seen,
        "auth.deactivate_user",
    )
    scan(page, "/intern/beheer/audit", "audit log", seen, "auth.audit_log")
    scan(page, "/intern/beheer/audit?from=2020-01-01", "audit log from", seen, "auth.audit_log")
    # A bad date: the form names the field (422), and the page with its errors passes axe.
    assert page.goto("/intern/beheer/audit?from=31-02-2020").status == 422
    assert_accessible(page, "audit log, a bad date")
    scan(page, "/intern/overzicht", "overview (admin)", seen, "assessments.process_overview")
    optional = {
        "national.deliveries": ("/intern/beheer/landelijk-register", "national register"),
        "quality.overview": ("/intern/beheer/kwaliteit", "register quality"),
        "residents.queue": ("/intern/vragen", "residents' questions (admin)"),
    }
    endpoints = internal_get_endpoints(live_app)
    # After approval: the list and the approved demo algorithm (report, closed incident).
    optional["assessments.aftercare_index"] = ("/intern/algoritmes/nazorg", "aftercare list")
    optional["assessments.aftercare_page"] = (
        "/intern/algoritmes/slim-vegen/nazorg",
        "aftercare page",
    )
    for endpoint, (url, label) in optional.items():
        if endpoint in endpoints:
            scan(page, url, label, seen, endpoint)
    if demo_ids["feedback"] is not None and "residents.handle" in endpoints:
        scan(
            page,
            f"/intern/vragen/{demo_ids['feedback']}",
            "residents' question",
            seen,
            "residents.handle",
        )
    logout(page)

    # Pages added since (other parts of the portal): tried with the demo's ids, as the
    # admin and then as the owner; the first that opens is scanned.
    rest = sorted(endpoints - seen)
    if rest:
        for email in (ADMIN, OWNER, REVIEWER):
            login(page, email, DEMO_PASSWORD)
            for endpoint in [e for e in rest if e not in seen]:
                for url in candidate_urls(live_app, endpoint, demo_ids):
                    if page.goto(url).status == 200:
                        scan(page, url, f"{endpoint} as {email}", seen, endpoint)
                        break
            logout(page)

    # A new internal page that none of this reaches fails here: add it to the walk above.
    assert endpoints - seen == set(), f"internal pages not scanned: {sorted(endpoints - seen)}"


def candidate_urls(app, endpoint: str, demo_ids: dict) -> list[str]:
    """URLs for `endpoint` built from the demo's ids (assessments in every state, published
    entries, and small ids for anything else)."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    choices: dict[str, list] = {}
    for name in rule.arguments:
        if name == "assessment_id":
            choices[name] = demo_ids["assessments"]
        elif name == "slug":
            choices[name] = demo_ids["slugs"]
        else:
            choices[name] = [1, 2, 3]
    adapter = app.url_map.bind("127.0.0.1")
    urls = [{}]
    for name, values in choices.items():
        urls = [{**built, name: value} for built in urls for value in values]
    return [adapter.build(endpoint, values) for values in urls[:30]]


@pytest.mark.parametrize("email", [OWNER, ADMIN])
def test_the_new_assessment_button_is_readable(page, demo_data, email):
    login(page, email, DEMO_PASSWORD)
    for url in ("/intern/", "/intern/toetsingen"):
        page.goto(url)
        button = page.get_by_role("link", name="Nieuwe toetsing", exact=True)
        assert button.is_visible()
        page.mouse.move(0, 0)  # not hovered
        result = button_contrast(page, "a[href='/intern/toetsingen/nieuw']")
        assert result["ratio"] >= 4.5, f"{email} {url}: {result}"
        button.focus()  # the focus style must stay readable too
        result = button_contrast(page, "a[href='/intern/toetsingen/nieuw']")
        assert result["ratio"] >= 4.5, f"{email} {url} focused: {result}"
        assert re.search(r"/intern/toetsingen/nieuw$", button.get_attribute("href"))
