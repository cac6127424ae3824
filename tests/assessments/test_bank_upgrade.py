"""Bank versions in use: an assessment started on uthiek-1 keeps version 1 everywhere (pages,
API, submission, record) after uthiek-2 ships; new assessments start on version 2; a
re-assessment of an approved version-1 assessment moves to version 2 with its answers and
the overview says what changed (assessments/bank_diff.py)."""

from assessments import demo
from assessments.bank import current_bank, get_bank
from assessments.models import Assessment
from portal import audit
from portal.extensions import db
from tests.assessments.helpers import create, fill_everything
from tests.assessments.test_review import LOW_RISK_V1, decide
from tests.conftest import csrf_token_from

V2_ONLY = {q.id for q in get_bank("uthiek", 2).questions} - {
    q.id for q in get_bank("uthiek", 1).questions
}


def _started_on_version_1(api) -> int:
    """An assessment as it was when version 1 was the newest bank."""
    assessment_id = create(api)["id"]
    stored = db.session.get(Assessment, assessment_id)
    stored.bank_version = 1
    db.session.commit()
    return assessment_id


def _approved_version_1(api) -> int:
    assessment_id = _started_on_version_1(api)
    fill_everything(api, assessment_id)
    url = f"/api/v1/assessments/{assessment_id}"
    saved = api("submitter").put(f"{url}/answers", json={"answers": LOW_RISK_V1})
    assert saved.status_code == 200, saved.json
    submitted = api("submitter").post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.json
    assert db.session.get(Assessment, assessment_id).versions[0].bank_version == 1
    assert decide(api, "reviewer", assessment_id).status_code == 201
    return assessment_id


def test_new_assessments_start_on_the_newest_bank(api):
    assert current_bank().version == 2
    assessment_id = create(api)["id"]
    stored = db.session.get(Assessment, assessment_id)
    assert (stored.bank_id, stored.bank_version) == ("uthiek", 2)
    questions = api("submitter").get(f"/api/v1/assessments/{assessment_id}/questions").json
    ids = {q["id"] for q in questions["questions"]}
    assert ids >= V2_ONLY


def test_a_version_1_assessment_stays_on_version_1(api, client, users, login_as):
    assessment_id = _started_on_version_1(api)
    url = f"/api/v1/assessments/{assessment_id}"
    questions = api("submitter").get(f"{url}/questions").json["questions"]
    assert {q["id"] for q in questions} == {q.id for q in get_bank("uthiek", 1).questions}
    # a version-2 question cannot be answered on a version-1 assessment
    refused = api("submitter").put(f"{url}/answers", json={"answers": {"core.domain": "other"}})
    assert refused.status_code == 422, refused.json

    login_as(users["submitter"])
    page = f"/intern/toetsingen/{assessment_id}"
    assert client.get(f"{page}/core").status_code == 200
    assert "core.output_kind" not in client.get(f"{page}/core").get_data(as_text=True)
    assert client.get(f"{page}/ai_act").status_code == 404  # no such part in version 1

    fill_everything(api, assessment_id)
    assert api("submitter").put(f"{url}/answers", json={"answers": LOW_RISK_V1}).status_code == 200
    submitted = api("submitter").post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.json
    assert decide(api, "reviewer", assessment_id).status_code == 201
    stored = db.session.get(Assessment, assessment_id)
    assert stored.status == "approved"
    assert stored.bank_version == 1
    assert [v.bank_version for v in stored.versions] == [1]
    assert api("submitter").get(f"{url}/record.pdf").status_code == 200
    overview = client.get(page).get_data(as_text=True)
    assert "Wat is er veranderd in de vragenlijst" not in overview


def test_a_reassessment_moves_to_version_2_and_shows_what_changed(api, client, users, login_as):
    assessment_id = _approved_version_1(api)
    before = dict(db.session.get(Assessment, assessment_id).answers)
    login_as(users["submitter"])
    page = f"/intern/toetsingen/{assessment_id}"
    token = csrf_token_from(client.get(page))
    assert "Wat is er veranderd in de vragenlijst" not in client.get(page).get_data(as_text=True)

    assert client.post(f"{page}/hertoetsen", data={"csrf_token": token}).status_code == 302
    stored = db.session.get(Assessment, assessment_id)
    assert stored.status == "draft"
    assert stored.bank_version == 2
    assert stored.answers == before  # every version-1 answer carried over
    assert [v.bank_version for v in stored.versions] == [1]  # the approved version stays v1
    events = db.session.scalars(
        db.select(audit.AuditEvent).where(audit.AuditEvent.action == "assessment.bank_upgraded")
    ).all()
    assert [e.details for e in events] == [{"bank": "uthiek", "from": 1, "to": 2}]

    overview = client.get(page).get_data(as_text=True)
    assert "Wat is er veranderd in de vragenlijst" in overview
    assert "versie 2 van de vragenlijst" in overview
    assert f'href="{page}/core#question-core.output_kind"' in overview
    assert f'href="{page}/ai_act#question-ai_act.annex_iii"' in overview
    assert "Huidskleur" in overview  # a new choice on an old question
    questions = api("submitter").get(f"/api/v1/assessments/{assessment_id}/questions").json
    assert {q["id"] for q in questions["questions"]} >= V2_ONLY
    assert client.get(f"{page}/ai_act").status_code == 200


def test_a_reassessment_on_the_newest_bank_stays_there(api, client, users, login_as):
    assessment_id = create(api)["id"]
    url = f"/api/v1/assessments/{assessment_id}"
    answers = demo.complete_answers(current_bank(), demo.SLIM_VEGEN)
    assert api("submitter").put(f"{url}/answers", json={"answers": answers}).status_code == 200
    fill_everything(api, assessment_id)  # the register fields
    submitted = api("submitter").post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.json
    assert decide(api, "reviewer", assessment_id).status_code == 201
    login_as(users["submitter"])
    page = f"/intern/toetsingen/{assessment_id}"
    token = csrf_token_from(client.get(page))
    assert client.post(f"{page}/hertoetsen", data={"csrf_token": token}).status_code == 302
    stored = db.session.get(Assessment, assessment_id)
    assert (stored.status, stored.bank_version) == ("draft", 2)
    assert "Wat is er veranderd in de vragenlijst" not in client.get(page).get_data(as_text=True)
