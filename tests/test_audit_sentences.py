"""The dashboard and the audit log speak Dutch sentences with links to the objects, not
codes ("assessment.answers_saved", "submitted -> approved", "1 answers changed"); the audit
log's filters are lists with a date range, and bad input is a form error (422), never 500."""

import ast
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from assessments import operations as assessment_operations
from assessments import workflow
from portal import audit, audit_filters, audit_sentences
from portal.extensions import db
from register.aftercare import INCIDENT_STATUSES

NO_EVENTS = "Er zijn geen gebeurtenissen die bij deze filters passen."
ROOT = Path(__file__).resolve().parent.parent
# Codes built at run time, with the values they can take.
BUILT = {
    "assessment.{action}": [f"assessment.{a}" for a in workflow.ACTIONS],
    "entry.incident_{incident.status}": [f"entry.incident_{s}" for s in INCIDENT_STATUSES],
}


def _value_of(path: Path, node):
    """The value of a name in the module (`AUDIT_PUBLISHED`, `names.PUBLISHED`)."""
    if isinstance(node, ast.Name):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        return vars(importlib.import_module(module.removesuffix(".__init__")))[node.id]
    return getattr(_value_of(path, node.value), node.attr)


def _resolve(path: Path, node) -> str:
    value = _value_of(path, node)
    assert isinstance(value, str), f"{path}: {ast.unparse(node)} is not text"
    return value


def _codes_of(path: Path, node) -> set[str]:
    """The action codes an argument can be: text, a named constant, either of two, or an
    f-string of the known kinds."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name | ast.Attribute):
        return {_resolve(path, node)}
    if isinstance(node, ast.IfExp):
        return _codes_of(path, node.body) | _codes_of(path, node.orelse)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
        )
        assert pattern in BUILT, f"{path}: a new built action code {pattern!r}"
        return set(BUILT[pattern])
    raise AssertionError(f"{path}:{node.lineno}: an action code this test cannot read")


# audit.record(session, actor, action, ...) and audit.event_values(actor, action, ...) (the
# import's multi-row inserts): where the action code sits.
ACTION_ARGUMENT = {"record": 2, "event_values": 1}


def _codes_in_use() -> set[str]:
    """Every action code passed to audit.record(...) or audit.event_values(...) in the code."""
    codes = set()
    for package in ("portal", "register", "assessments"):
        for path in sorted((ROOT / package).glob("**/*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ACTION_ARGUMENT
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"
                ):
                    continue
                position = ACTION_ARGUMENT[node.func.attr]
                action = node.args[position] if len(node.args) > position else None
                if action is None:
                    action = next(k.value for k in node.keywords if k.arg == "action")
                codes |= _codes_of(path, action)
    return codes


def test_every_action_code_in_use_has_a_sentence(app):
    codes = _codes_in_use()
    assert {"assessment.answers_saved", "assessment.approve", "user.updated"} <= codes
    missing = codes - audit_sentences.registered_actions()
    assert missing == set(), f"no sentence for {sorted(missing)}"


def _event(action, obj=None, actor=None, summary="", **kwargs):
    event = audit.record(db.session, actor, action, obj, summary, **kwargs)
    db.session.flush()
    return event


def _say(events, viewer=None, locale="nl"):
    with force_locale(locale):
        return [str(d.sentence) for d in audit_sentences.describe(db.session, events, viewer)]


@pytest.fixture
def assessment(users):
    made = assessment_operations.create(db.session, users["submitter"], {"name": "Slim vegen"})
    db.session.commit()
    return made


def test_answers_saved_reads_as_a_sentence_with_plural_and_link(users, assessment):
    one = _event(
        "assessment.answers_saved",
        assessment,
        users["submitter"],
        f"assessment {assessment.id}: 1 answers changed",
        details={"questions": ["core.purpose"]},
    )
    three = _event(
        "assessment.answers_saved",
        assessment,
        users["submitter"],
        f"assessment {assessment.id}: 3 answers changed",
        details={"questions": ["a", "b", "c"]},
    )
    link = f'<a class="utrecht-link" href="/intern/toetsingen/{assessment.id}">Slim vegen</a>'
    assert _say([one, three]) == [
        f"Dana Data heeft 1 antwoord opgeslagen in toetsing {link}.",
        f"Dana Data heeft 3 antwoorden opgeslagen in toetsing {link}.",
    ]
    assert _say([three], locale="en") == [f"Dana Data saved 3 answers in assessment {link}."]


def test_a_state_change_reads_as_what_happened(users, assessment):
    approved = _event(
        "assessment.approve",
        assessment,
        users["reviewer"],
        f"assessment {assessment.id} version 1: submitted -> approved",
        details={"from": "submitted", "to": "approved", "version": 1},
    )
    (sentence,) = _say([approved])
    assert re.sub(r"<[^>]+>", "", sentence) == "Toetsing Slim vegen is goedgekeurd."
    assert "->" not in sentence


def test_events_of_accounts_and_the_register(users, publish_entry):
    entry = publish_entry(slug="slim-vegen", name="Slim vegen")
    events = [
        _event(
            "user.updated", users["reviewer"], users["admin"], details={"changes": ["deactivated"]}
        ),
        _event("user.password_changed", users["admin"], users["admin"]),
        _event("entry.suspended", entry, users["admin"]),
        _event("feedback.purged", None, None, "4 questions purged", object_type="feedback"),
        _event("auth.login_failed", None, None, "failed login for iemand@utrecht.nl"),
    ]
    said = [re.sub(r"<[^>]+>", "", s) for s in _say(events, viewer=users["admin"])]
    assert said == [
        "Bea Beheer heeft het account van Kim Klankbord gedeactiveerd.",
        "Bea Beheer heeft het eigen wachtwoord gewijzigd.",
        "Bea Beheer heeft Slim vegen geschorst.",
        "4 oude vragen zijn verwijderd (persoonsgegevens bewaren we maar kort).",
        "Inloggen mislukt voor iemand@utrecht.nl.",
    ]
    # The admin gets a link to the account; someone who may not manage accounts gets none.
    assert (
        f'/intern/beheer/gebruikers/{users["reviewer"].id}"' in _say(events[:1], users["admin"])[0]
    )
    assert "<a" not in _say(events[:1], users["reviewer"])[0]


def test_names_and_titles_are_text_never_markup(users):
    hostile = assessment_operations.create(
        db.session, users["submitter"], {"name": "<script>alert(1)</script>"}
    )
    users["submitter"].name = '<img src=x onerror="alert(2)">'
    event = _event("assessment.created", hostile, users["submitter"])
    (sentence,) = _say([event])
    assert "<script>" not in sentence
    assert "<img" not in sentence
    assert "&lt;script&gt;" in sentence
    assert "&lt;img" in sentence


def test_a_code_without_a_sentence_still_reads(users):
    (sentence,) = _say([_event("something.new", None, users["admin"])])
    assert sentence == "Bea Beheer: something.new"


# ------------------------------------------------------------------------------- filters


def test_filter_dates_are_days_in_utrecht():
    assert audit_filters.parse_day("2026-03-31") == dt.date(2026, 3, 31)
    assert audit_filters.parse_day("31-3-2026") == dt.date(2026, 3, 31)
    assert audit_filters.parse_day("31-02-2026") is None
    assert audit_filters.parse_day("gisteren") is None
    assert audit_filters.parse_day("0001-01-01") is None
    # Midnight in Utrecht in summer is 22:00 UTC the day before.
    assert audit_filters.start_of_day(dt.date(2026, 7, 1)) == dt.datetime(
        2026, 6, 30, 22, tzinfo=dt.UTC
    )


def _parse(**raw):
    values = dict.fromkeys(audit_filters.FIELDS, "") | raw
    return audit_filters.parse(values, actions={"auth.login"}, object_types={"user"}, actor_ids={7})


def test_filter_values_outside_the_lists_are_named(app):
    with app.test_request_context(), force_locale("nl"):
        assert _parse(action="auth.login", actor="7", object_type="user")[1] == {}
        assert _parse(actor="system")[0].system_only
        _filters, errors = _parse(
            action="drop table", actor="8", object_type="x", **{"from": "1-13-2026"}
        )
        assert errors == {
            "action": "Kies een actie uit de lijst.",
            "actor": "Kies een persoon uit de lijst.",
            "object_type": "Kies een soort object uit de lijst.",
            "from": "'Van' is geen datum. Vul een datum in zoals 31-12-2025.",
        }
        _filters, errors = _parse(**{"from": "2026-03-10", "to": "2026-03-09"})
        assert errors == {
            "to": "'Tot en met' ligt voor 'Van'. Kies een latere datum, of dezelfde dag."
        }


def _rows(page: str) -> list[str]:
    """The table's rows as text, one space between cells."""
    body = page.split("<tbody", 1)[1].split(">", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in body.split("</tr>")[:-1]:
        text = re.sub(r"<[^>]+>", "", re.sub(r"<td[^>]*>", " ", row))
        rows.append(re.sub(r"\s+", " ", text).strip())
    return rows


def test_the_audit_log_filters_by_lists_and_days(client, users, login_as, assessment):
    login_as(users["admin"])
    _event("assessment.answers_saved", assessment, users["submitter"], "x: 2 answers changed")
    db.session.commit()
    page = client.get("/intern/beheer/audit").get_data(as_text=True)
    assert re.search(r'<select [^>]*id="filter-action" name="action">', page)
    assert '<option value="assessment.answers_saved">Antwoorden opgeslagen</option>' in page
    assert f'<option value="{users["submitter"].id}">Dana Data (data@utrecht.nl)</option>' in page
    assert '<option value="assessment">Toetsing</option>' in page
    assert 'type="date" id="filter-from" name="from"' in page
    assert "assessment.answers_saved" not in _rows(page)[0]

    mine = client.get(f"/intern/beheer/audit?actor={users['submitter'].id}").get_data(as_text=True)
    assert any(
        "Dana Data heeft 2 antwoorden opgeslagen in toetsing Slim vegen." in r for r in _rows(mine)
    )
    assert all("Dana Data" in r for r in _rows(mine))
    today = dt.datetime.now(audit_filters.LOCAL).date()
    same_day = client.get(f"/intern/beheer/audit?from={today}&to={today}").get_data(as_text=True)
    assert any("antwoorden opgeslagen" in r for r in _rows(same_day))
    later = today + dt.timedelta(days=1)
    none = client.get(f"/intern/beheer/audit?from={later}").get_data(as_text=True)
    assert _rows(none) == [NO_EVENTS]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=31-02-2026", "&#39;Van&#39; is geen datum. Vul een datum in zoals 31-12-2025."),
        ("to=morgen", "&#39;Tot en met&#39; is geen datum."),
        ("from=2026-03-10&to=2026-03-01", "&#39;Tot en met&#39; ligt voor &#39;Van&#39;."),
        ("action=%3Cscript%3E", "Kies een actie uit de lijst."),
        ("actor=abc", "Kies een persoon uit de lijst."),
        ("actor=99999999999999999999999", "Kies een persoon uit de lijst."),
        ("object_type=nope", "Kies een soort object uit de lijst."),
    ],
)
def test_bad_filters_are_form_errors_not_crashes(client, users, login_as, query, message):
    login_as(users["admin"])
    response = client.get(f"/intern/beheer/audit?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    assert 'href="#filter-' in page
    assert 'aria-invalid="true"' in page


def test_the_dashboard_shows_sentences_not_codes(client, users, login_as, assessment):
    _event(
        "assessment.answers_saved",
        assessment,
        users["admin"],
        f"assessment {assessment.id}: 1 answers changed",
        details={"questions": ["core.purpose"]},
    )
    db.session.commit()
    login_as(users["admin"])
    page = client.get("/intern/").get_data(as_text=True)
    activity = page.split('id="activity-heading"', 1)[1]
    assert "Bea Beheer heeft 1 antwoord opgeslagen in toetsing" in activity
    assert f'href="/intern/toetsingen/{assessment.id}">Slim vegen</a>' in activity
    assert "answers changed" not in page
    assert "assessment.answers_saved" not in page
    recent = page.split('id="admin-heading"', 1)[1]
    assert "Dana Data is toetsing" in recent  # the admin sees everyone's
