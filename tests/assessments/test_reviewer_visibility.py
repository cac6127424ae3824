"""Reviewers and the privacy officer see only what was submitted to them.

A marker typed by the owner but never submitted (a draft withdrawn before submitting, edits
after changes were requested, a re-assessment in progress, withdrawn or not) must appear on
no page and in no API answer a board member can reach; the submitted version must. The
owner reading the same URLs is the positive control: it proves each URL shows the marker
when the viewer may see it.
"""

import pytest

from assessments import review
from assessments.models import Assessment
from portal.extensions import db
from tests.assessments.helpers import create
from tests.assessments.test_review import LOW_RISK, decide, submitted

MARKER = "ONINGEDIEND-7Q3Z"
SUBMITTED_TEXT = "Voorbeeldantwoord."  # what fill_everything answers; it was submitted
SECTIONS = ("core", "values", "privacy", "discrimination", "provenance", "oversight")
BOARD = ("reviewer", "privacy_officer")


def _edit_with_marker(api, assessment_id):
    response = api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={
            "answers": {"core.purpose": f"Nieuw doel {MARKER}"},
            "algorithm": {"description_short": f"Nieuwe uitleg {MARKER}"},
        },
    )
    assert response.status_code == 200, response.json


def _operate(action, users, assessment_id):
    assessment = db.session.get(Assessment, assessment_id)
    action(db.session, users["submitter"], assessment)
    db.session.commit()


def withdrawn_draft(api, users, board):
    assessment = create(api, name=f"Concept {MARKER}")
    _edit_with_marker(api, assessment["id"])
    _operate(review.withdraw, users, assessment["id"])
    return assessment["id"]


def open_draft(api, users, board):
    assessment = create(api, name=f"Concept {MARKER}")
    _edit_with_marker(api, assessment["id"])
    return assessment["id"]


def changes_requested(api, users, board):
    assessment = submitted(api, LOW_RISK)
    assert decide(api, "reviewer", assessment["id"], "changes_requested").status_code == 201
    _edit_with_marker(api, assessment["id"])
    return assessment["id"]


def reassessment(api, users, board):
    assessment = submitted(api, LOW_RISK)
    assert decide(api, "reviewer", assessment["id"]).status_code == 201
    _operate(review.reassess, users, assessment["id"])
    _edit_with_marker(api, assessment["id"])
    return assessment["id"]


def withdrawn_reassessment(api, users, board):
    assessment_id = reassessment(api, users, board)
    _operate(review.withdraw, users, assessment_id)
    return assessment_id


def _web_urls(assessment_id):
    base = f"/intern/toetsingen/{assessment_id}"
    return [base, f"{base}/algoritme", *(f"{base}/{s}" for s in SECTIONS)]


def _api_urls(assessment_id):
    base = f"/api/v1/assessments/{assessment_id}"
    return [base, f"{base}/questions"]


def _lists():
    return ["/intern/", "/intern/toetsingen", "/intern/beoordelen"]


@pytest.mark.parametrize("scenario", [withdrawn_draft, open_draft])
@pytest.mark.parametrize("role", BOARD)
def test_never_submitted_is_closed_to_the_board(
    scenario, role, api, users, board, client, login_as
):
    assessment_id = scenario(api, users, board)
    login_as(users[role])
    base = f"/intern/toetsingen/{assessment_id}"
    for url in [*_web_urls(assessment_id), f"{base}/beoordeling", f"{base}/record.pdf"]:
        assert client.get(url).status_code in (403, 404), url
    for url in [*_api_urls(assessment_id), f"/api/v1/assessments/{assessment_id}/record.pdf"]:
        assert api(role).get(url).status_code in (403, 404), url
    for url in _lists():
        page = client.get(url)
        assert page.status_code == 200
        assert MARKER not in page.get_data(as_text=True), url

    login_as(users["submitter"])  # positive control: the owner sees the marker
    assert MARKER in client.get(f"{base}/core").get_data(as_text=True)
    assert MARKER in client.get("/intern/toetsingen").get_data(as_text=True)


@pytest.mark.parametrize("scenario", [changes_requested, reassessment, withdrawn_reassessment])
@pytest.mark.parametrize("role", BOARD)
def test_the_board_sees_the_submitted_version_never_unsubmitted_edits(
    scenario, role, api, users, board, client, login_as
):
    assessment_id = scenario(api, users, board)
    login_as(users[role])
    base = f"/intern/toetsingen/{assessment_id}"
    for url in [*_web_urls(assessment_id), f"{base}/beoordeling", *_lists()]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert MARKER not in page.get_data(as_text=True), url
    core = client.get(f"{base}/core").get_data(as_text=True)
    assert SUBMITTED_TEXT in core  # the frozen answer is what they read
    assert 'name="row_version"' not in core
    for url in _api_urls(assessment_id):
        response = api(role).get(url)
        assert response.status_code == 200, url
        assert MARKER not in response.get_data(as_text=True), url
    body = api(role).get(_api_urls(assessment_id)[0]).json
    assert body["algorithm"]["description_short"] == "Een korte uitleg."
    questions = api(role).get(_api_urls(assessment_id)[1]).json["questions"]
    assert next(q for q in questions if q["id"] == "core.purpose")["answer"] == SUBMITTED_TEXT

    login_as(users["submitter"])  # positive control on the same URLs
    for url in [f"{base}/core", f"{base}/algoritme"]:
        assert MARKER in client.get(url).get_data(as_text=True), url
    for url in _api_urls(assessment_id):
        assert MARKER in api("submitter").get(url).get_data(as_text=True), url
    login_as(users["admin"])
    assert MARKER in client.get(f"{base}/core").get_data(as_text=True)


def test_a_board_member_cannot_change_what_they_see(api, users, board, client, login_as):
    assessment_id = changes_requested(api, users, board)
    response = api("reviewer").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={"answers": {"core.purpose": "Door de beoordelaar"}},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert MARKER in db.session.get(Assessment, assessment_id).answers["core.purpose"]


def test_the_rules_behind_it():
    from types import SimpleNamespace

    from assessments import permissions as rules
    from assessments.permissions import AssessmentFacts

    def person(user_id, *roles):
        return SimpleNamespace(id=user_id, roles=frozenset(roles), is_active=True)

    owner, editor, member = person(1, "submitter"), person(2, "submitter"), person(3, "reviewer")
    officer, admin = person(4, "privacy_officer"), person(5, "admin")
    for status in ("draft", "withdrawn", "changes_requested"):
        never = AssessmentFacts(1, status, frozenset({2}), ever_submitted=False)
        once = AssessmentFacts(1, status, frozenset({2}), ever_submitted=True)
        for board_member in (member, officer):
            assert not rules.can_view_assessment(board_member, never), status
            assert rules.can_view_assessment(board_member, once), status
            assert not rules.can_view_working_copy(board_member, once), status
        for author in (owner, editor, admin):
            assert rules.can_view_working_copy(author, never), status
