"""Every route of the app, walked as every kind of user, with the status each must get.

The table is checked against the app's own URL map: a new route fails this test until its
expected access is written down here.
"""

import re

import pytest

from assessments import operations as assessment_operations
from portal.auth import operations
from portal.extensions import db

ROLES = ("anonymous", "submitter", "other_submitter", "reviewer", "privacy_officer", "admin")
PUBLIC = dict.fromkeys(ROLES, 200)
INTERNAL = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
ADMIN_ONLY = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "admin": 200}
TOKEN_API = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)}
CREATORS = {
    "anonymous": 302,
    "submitter": 200,
    "other_submitter": 200,
    "reviewer": 403,
    "privacy_officer": 403,
    "admin": 200,
}
# A draft owned by "submitter": only its owner and admins may see it.
OWN_DRAFT = {
    "anonymous": 302,
    "submitter": 200,
    "other_submitter": 403,
    "reviewer": 403,
    "privacy_officer": 403,
    "admin": 200,
}
OWN_DRAFT_API = {**OWN_DRAFT, "anonymous": 401}
# Sending an empty JSON body: allowed callers get 422 (what is missing), others 401/403.
API_WRITE = {
    "anonymous": 401,
    "submitter": 422,
    "other_submitter": 403,
    "reviewer": 403,
    "privacy_officer": 403,
    "admin": 422,
}
NOT_FOUND = dict.fromkeys(ROLES, 404)
NOBODY = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)}
OWN_MISSING = {**OWN_DRAFT, "submitter": 404, "admin": 404}

# endpoint: (method, url, expected status per role). "{token}" is the submitter's API token id.
EXPECTED = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "portal.healthz": ("GET", "/healthz", PUBLIC),
    "portal.readyz": ("GET", "/readyz", PUBLIC),
    "portal.switch_language": ("GET", "/taal/en", dict.fromkeys(ROLES, 302)),
    "portal.about": ("GET", "/over", PUBLIC),
    "records.risk_levels": ("GET", "/risiconiveaus", PUBLIC),
    "portal.accessibility": ("GET", "/toegankelijkheid", PUBLIC),
    "register.home": ("GET", "/", PUBLIC),
    "register.index": ("GET", "/algoritmes", PUBLIC),
    "register.entry": ("GET", "/algoritmes/parkeervergunning", PUBLIC),
    "register.version_changes": ("GET", "/algoritmes/parkeervergunning/versies/1", PUBLIC),
    "register.export_json": ("GET", "/algoritmes.json", PUBLIC),
    "register.export_csv": ("GET", "/algoritmes.csv", PUBLIC),
    "register.atom_feed": ("GET", "/feed.atom", PUBLIC),
    "register.entry_feed": ("GET", "/algoritmes/parkeervergunning/feed.atom", PUBLIC),
    "register.department_feed": ("GET", "/afdelingen/Mobiliteit/feed.atom", PUBLIC),
    "register.theme_feed": ("GET", "/themas/Verkeer/feed.atom", PUBLIC),
    "compare.compare_page": ("GET", "/vergelijk?doel=parkeren&categorie=Verkeer", PUBLIC),
    # Residents' forms: no login; an empty form is refused (422), whoever sends it.
    "residents.ask": ("POST", "/algoritmes/parkeervergunning/vraag", dict.fromkeys(ROLES, 422)),
    "residents.subscribe_form": ("GET", "/abonneren", PUBLIC),
    "residents.subscribe": ("POST", "/abonneren", dict.fromkeys(ROLES, 422)),
    "residents.confirm_subscription": ("GET", "/abonneren/bevestigen/onbekend", NOT_FOUND),
    "residents.unsubscribe": ("GET", "/afmelden/onbekend", NOT_FOUND),
    "residents.queue": ("GET", "/intern/vragen", CREATORS),
    "residents.handle": (
        "GET",
        "/intern/vragen/1",
        {**CREATORS, **dict.fromkeys(("submitter", "other_submitter", "admin"), 404)},
    ),
    "api.post_feedback": (
        "POST",
        "/api/v1/algorithms/parkeervergunning/feedback",
        dict.fromkeys(ROLES, 422),
    ),
    "api.list_feedback": ("GET", "/api/v1/feedback", TOKEN_API),
    "api.update_feedback": ("PUT", "/api/v1/feedback/1", {**NOT_FOUND, "anonymous": 401}),
    # After approval (issue 12), on an entry without an assessment: there is no owner, so
    # only the admin may act; monitoring and changes need an assessment (409).
    "api.post_monitoring": (
        "POST",
        "/api/v1/algorithms/parkeervergunning/monitoring",
        {**NOBODY, "anonymous": 401, "admin": 409},
    ),
    "api.post_change": (
        "POST",
        "/api/v1/algorithms/parkeervergunning/changes",
        {**NOBODY, "anonymous": 401, "admin": 409},
    ),
    "api.post_incident": (
        "POST",
        "/api/v1/algorithms/parkeervergunning/incidents",
        {**NOBODY, "anonymous": 401, "admin": 422},
    ),
    "api.put_incident": (
        "PUT",
        "/api/v1/algorithms/parkeervergunning/incidents/1",
        {**NOBODY, "anonymous": 401, "admin": 404},
    ),
    "api.post_suspension": (
        "POST",
        "/api/v1/algorithms/parkeervergunning/suspension",
        {**NOBODY, "anonymous": 401, "admin": 422},
    ),
    # Lifting needs a reason (JSON or form); the walk sends none with DELETE: 422 says so.
    "api.delete_suspension": (
        "DELETE",
        "/api/v1/algorithms/parkeervergunning/suspension",
        {**NOBODY, "anonymous": 401, "admin": 422},
    ),
    "assessments.aftercare_index": ("GET", "/intern/algoritmes/nazorg", INTERNAL),
    "assessments.aftercare_page": (
        "GET",
        "/intern/algoritmes/parkeervergunning/nazorg",
        {**NOBODY, "admin": 200},
    ),
    "assessments.aftercare_monitoring": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/monitoring",
        {**NOBODY, "admin": 409},
    ),
    "assessments.aftercare_change": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/wijziging",
        {**NOBODY, "admin": 409},
    ),
    "assessments.aftercare_incident": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/incidenten",
        {**NOBODY, "admin": 422},
    ),
    "assessments.aftercare_close_incident": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/incidenten/sluiten",
        {**NOBODY, "admin": 404},
    ),
    "assessments.aftercare_suspend": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/schorsing",
        {**NOBODY, "admin": 422},
    ),
    "assessments.aftercare_lift": (
        "POST",
        "/intern/algoritmes/parkeervergunning/nazorg/schorsing/opheffen",
        {**NOBODY, "admin": 422},
    ),
    "api.list_algorithms": ("GET", "/api/v1/algorithms", PUBLIC),
    "api.get_algorithm": ("GET", "/api/v1/algorithms/parkeervergunning", PUBLIC),
    "api.openapi": ("GET", "/api/openapi.json", PUBLIC),
    "api.me": ("GET", "/api/v1/me", TOKEN_API),
    "auth.login": ("GET", "/intern/inloggen", {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    "auth.logout": (
        "POST",
        "/intern/uitloggen",
        {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)},
    ),
    "auth.change_password": ("GET", "/intern/wachtwoord", INTERNAL),
    "auth.accept_invitation": ("GET", "/intern/uitnodiging/onbekend", dict.fromkeys(ROLES, 404)),
    "auth.tokens": ("GET", "/intern/tokens", INTERNAL),
    "auth.revoke_token": (
        "POST",
        "/intern/tokens/{token}/intrekken",
        {
            "anonymous": 302,
            "submitter": 302,
            "other_submitter": 404,
            "reviewer": 404,
            "privacy_officer": 404,
            "admin": 302,
        },
    ),
    "auth.users": ("GET", "/intern/beheer/gebruikers", ADMIN_ONLY),
    "auth.edit_user": ("GET", "/intern/beheer/gebruikers/1", ADMIN_ONLY),
    # Deactivating asks to confirm first, on a page of its own that lists the open work.
    "auth.deactivate_user": ("GET", "/intern/beheer/gebruikers/1/deactiveren", ADMIN_ONLY),
    "auth.audit_log": ("GET", "/intern/beheer/audit", ADMIN_ONLY),
    # Admins and directors (no director in this walk: see tests/assessments/test_overview.py).
    "assessments.process_overview": ("GET", "/intern/overzicht", ADMIN_ONLY),
    "national.deliveries": ("GET", "/intern/beheer/landelijk-register", ADMIN_ONLY),
    "quality.overview": ("GET", "/intern/beheer/kwaliteit", ADMIN_ONLY),
    "assessments.dashboard": ("GET", "/intern/", INTERNAL),
    "assessments.index": ("GET", "/intern/toetsingen", INTERNAL),
    "assessments.create": ("GET", "/intern/toetsingen/nieuw", CREATORS),
    "assessments.overview": ("GET", "/intern/toetsingen/{assessment}", OWN_DRAFT),
    "assessments.register_fields": ("GET", "/intern/toetsingen/{assessment}/algoritme", OWN_DRAFT),
    "assessments.section": ("GET", "/intern/toetsingen/{assessment}/core", OWN_DRAFT),
    "assessments.submit": (
        "POST",
        "/intern/toetsingen/{assessment}/indienen",
        {**OWN_DRAFT, "submitter": 302, "admin": 302},
    ),
    "api.create_assessment": ("POST", "/api/v1/assessments", {**API_WRITE, "other_submitter": 422}),
    "api.get_assessment": ("GET", "/api/v1/assessments/{assessment}", OWN_DRAFT_API),
    "api.get_questions": ("GET", "/api/v1/assessments/{assessment}/questions", OWN_DRAFT_API),
    "api.put_answers": ("PUT", "/api/v1/assessments/{assessment}/answers", API_WRITE),
    "api.submit_assessment": ("POST", "/api/v1/assessments/{assessment}/submit", API_WRITE),
    "records.latest_record": ("GET", "/algoritmes/parkeervergunning/record.pdf", NOT_FOUND),
    "records.record_by_id": ("GET", "/algoritmes/parkeervergunning/records/1.pdf", NOT_FOUND),
    "assessments.review_queue": ("GET", "/intern/beoordelen", INTERNAL),
    # The draft has no submitted version and no record yet.
    "assessments.review_page": ("GET", "/intern/toetsingen/{assessment}/beoordeling", OWN_MISSING),
    "assessments.record_download": (
        "GET",
        "/intern/toetsingen/{assessment}/record.pdf",
        OWN_MISSING,
    ),
    "assessments.decide": ("POST", "/intern/toetsingen/{assessment}/besluit", NOBODY),
    # The board's verdict, the director's decision and the conditions (issue 12).
    "assessments.advice_page": ("GET", "/intern/toetsingen/{assessment}/advies", OWN_MISSING),
    "assessments.write_verdict": (
        "POST",
        "/intern/toetsingen/{assessment}/advies/oordeel",
        NOBODY,
    ),
    "assessments.director_decision": (
        "POST",
        "/intern/toetsingen/{assessment}/advies/besluit",
        NOBODY,
    ),
    "assessments.conditions_page": (
        "GET",
        "/intern/toetsingen/{assessment}/voorwaarden",
        OWN_DRAFT,
    ),
    "assessments.update_condition": (
        "POST",
        "/intern/voorwaarden/1",
        {"anonymous": 302, **dict.fromkeys(ROLES[1:], 404)},
    ),
    "assessments.condition_evidence": (
        "GET",
        "/intern/voorwaarden/1/bewijs",
        {"anonymous": 302, **dict.fromkeys(ROLES[1:], 404)},
    ),
    "api.post_verdict": (
        "POST",
        "/api/v1/assessments/{assessment}/verdict",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 403)},
    ),
    "api.post_director_decision": (
        "POST",
        "/api/v1/assessments/{assessment}/director-decision",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 403)},
    ),
    "api.get_conditions": (
        "GET",
        "/api/v1/assessments/{assessment}/conditions",
        OWN_DRAFT_API,
    ),
    "api.put_condition": (
        "PUT",
        "/api/v1/conditions/1",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404)},
    ),
    # The board's sessions (issue 12): board members and admins while in review; the
    # walk's draft is not in review (409 for the admin who could), session 1 does not exist.
    "assessments.new_board_session": (
        "GET",
        "/intern/toetsingen/{assessment}/sessies/nieuw",
        {**NOBODY, "admin": 409},
    ),
    "assessments.edit_board_session": (
        "GET",
        "/intern/toetsingen/{assessment}/sessies/1",
        {**NOBODY, "submitter": 404, "admin": 404},
    ),
    "api.get_board_sessions": (
        "GET",
        "/api/v1/assessments/{assessment}/sessions",
        OWN_DRAFT_API,
    ),
    "api.post_board_session": (
        "POST",
        "/api/v1/assessments/{assessment}/sessions",
        {**NOBODY, "anonymous": 401, "admin": 422},
    ),
    "api.put_board_session": (
        "PUT",
        "/api/v1/assessments/{assessment}/sessions/1",
        {**NOBODY, "anonymous": 401, "submitter": 404, "admin": 404},
    ),
    "assessments.add_comment": ("POST", "/intern/toetsingen/{assessment}/opmerkingen", NOBODY),
    "assessments.resolve_comment": (
        "POST",
        "/intern/toetsingen/{assessment}/opmerkingen/1/opgelost",
        NOBODY,
    ),
    "assessments.reassess": ("POST", "/intern/toetsingen/{assessment}/hertoetsen", NOBODY),
    # Only admins (no assessment links this entry to an owner); no end date: back with a message.
    "assessments.retire": (
        "POST",
        "/intern/algoritmes/{algorithm}/buiten-gebruik",
        {**NOBODY, "admin": 303},
    ),
    "api.review_assessment": (
        "POST",
        "/api/v1/assessments/{assessment}/reviews",
        {**NOBODY, "anonymous": 401},
    ),
    "api.assessment_record": (
        "GET",
        "/api/v1/assessments/{assessment}/record.pdf",
        {**OWN_MISSING, "anonymous": 401},
    ),
    # Withdrawing asks to confirm first (a page, no script needed).
    "assessments.withdraw_confirm": (
        "GET",
        "/intern/toetsingen/{assessment}/intrekken",
        {**NOBODY, "submitter": 200, "admin": 200},
    ),
    # Last: withdrawing ends the draft the walk uses.
    "assessments.withdraw": (
        "POST",
        "/intern/toetsingen/{assessment}/intrekken",
        {**NOBODY, "submitter": 302, "admin": 302},
    ),
}


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), (
        f"missing: {sorted(endpoints - set(EXPECTED))}, stale: {sorted(set(EXPECTED) - endpoints)}"
    )


def _csrf_token(client) -> str:
    page = client.get("/intern/" if client.logged_in else "/intern/inloggen").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("role", ROLES)
def test_route_access_per_role(app, users, publish_entry, role):
    entry = publish_entry(slug="parkeervergunning")
    token, _secret = operations.issue_token(db.session, None, users["submitter"], "walk")
    draft = assessment_operations.create(db.session, users["submitter"], {"name": "Wandeltoets"})
    tokens = {
        key: operations.issue_token(db.session, None, user, "walk")[1]
        for key, user in users.items()
    }
    db.session.commit()
    failures = []
    for endpoint, (method, url, statuses) in EXPECTED.items():
        client = app.test_client()
        client.logged_in = role != "anonymous"
        if client.logged_in:
            _login(client, users[role])
        headers = {}
        if endpoint.startswith("api.") and role != "anonymous":
            headers["Authorization"] = f"Bearer {tokens[role]}"
        kwargs = {"headers": headers}
        if endpoint.startswith("api.") and method in ("POST", "PUT"):
            kwargs["json"] = {}
        elif method == "POST":
            kwargs["data"] = {"csrf_token": _csrf_token(client)}
        target = url.format(token=token.id, assessment=draft.id, algorithm=entry.id)
        with client.open(target, method=method, **kwargs) as response:
            if response.status_code != statuses[role]:
                failures.append(
                    f"{method} {url}: {response.status_code}, expected {statuses[role]}"
                )
    assert failures == [], f"as {role}"


def _login(client, user):
    from flask_login.utils import _create_identifier

    from portal.auth.models import User
    from portal.auth.session import LOGIN_AT_KEY
    from portal.db import utcnow

    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    # The walk logs out too, which gives the account a new session token: read the current one.
    current = db.session.get(User, user.id, populate_existing=True)
    with client.session_transaction() as session:
        session["_user_id"] = current.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
        session[LOGIN_AT_KEY] = utcnow().timestamp()
