"""The review in the browser (test client, no JavaScript): queue, threads, decision form."""

import datetime as dt

from assessments.models import Assessment, Comment, Review
from portal.extensions import db
from tests.assessments.test_review import LOW_RISK, PROFILING, decide, submitted
from tests.conftest import csrf_token_from


def test_queue_and_review_page_show_the_version_and_quorum(api, client, users, login_as):
    assessment = submitted(api, PROFILING)
    login_as(users["reviewer"])
    queue = client.get("/intern/beoordelen").get_data(as_text=True)
    assert "Woonfraude signalen" in queue
    assert f"/intern/toetsingen/{assessment['id']}/beoordeling" in queue
    page = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Beoordeling van versie 1" in body
    assert "Alle leden van de klankbordgroep moeten goedkeuren." in body
    assert "Voorbeeldantwoord." in body  # the answers, read-only
    assert 'name="decision"' in body


def test_comment_threads_reply_and_resolve(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["reviewer"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    empty = client.post(f"{url}/opmerkingen", data={"csrf_token": token, "body": " "})
    assert empty.status_code == 302
    assert db.session.query(Comment).count() == 0
    client.post(
        f"{url}/opmerkingen",
        data={"csrf_token": token, "question_id": "core.purpose", "body": "Wie zijn de burgers?"},
    )
    thread = db.session.scalars(db.select(Comment)).one()
    assert thread.question_id == "core.purpose"
    assert db.session.get(Assessment, assessment["id"]).status == "in_review"

    login_as(users["submitter"])  # the owner answers in the thread
    page = client.get(f"{url}/beoordeling")
    assert "Wie zijn de burgers?" in page.get_data(as_text=True)
    token = csrf_token_from(page)
    client.post(
        f"{url}/opmerkingen",
        data={"csrf_token": token, "parent_id": thread.id, "body": "Huurders in de stad."},
    )
    resolved = client.post(f"{url}/opmerkingen/{thread.id}/opgelost", data={"csrf_token": token})
    assert resolved.status_code == 302
    db.session.expire_all()
    assert [r.body for r in db.session.get(Comment, thread.id).replies] == ["Huurders in de stad."]
    assert db.session.get(Comment, thread.id).resolved_at is not None
    body = client.get(f"{url}/beoordeling").get_data(as_text=True)
    assert "afgehandeld door Dana Data" in body


def test_invalid_decision_keeps_what_the_reviewer_typed(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["reviewer"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    form = {
        "csrf_token": token,
        "decision": "approve_with_conditions",
        "advice-core": "disagree",
        "advice-core-motivation": "",
        "conditions-rows": "3",
        "conditions-0-text": "Leg de drempelwaarde uit",
        "conditions-0-owner": "",
        "conditions-0-deadline": "2027-03-01",
        "remaining_risks": "Mijn lange analyse van de restrisico's",
    }
    response = client.post(f"{url}/besluit", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Niet opgeslagen" in body
    assert "Leg de drempelwaarde uit" in body
    assert "Mijn lange analyse van de restrisico" in body
    assert "Vul dit in." in body
    assert db.session.query(Review).count() == 0

    form.update({"conditions-0-owner": "Team Data", "advice-core-motivation": "Doel te vaag."})
    done = client.post(f"{url}/besluit", data=form)
    assert done.status_code == 302
    review = db.session.scalars(db.select(Review)).one()
    assert review.conditions == [
        {"text": "Leg de drempelwaarde uit", "owner": "Team Data", "deadline": "2027-03-01"}
    ]
    assert review.section_advice["core"] == {"advice": "disagree", "motivation": "Doel te vaag."}
    assert db.session.get(Assessment, assessment["id"]).status == "approved"
    again = client.post(f"{url}/besluit", data=form)
    assert again.status_code == 409


def test_owner_cannot_review_own_work_in_the_browser(api, client, users, login_as):
    users["submitter"].roles = {"submitter", "reviewer"}
    db.session.commit()
    assessment = submitted(api, LOW_RISK)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment['id']}"
    page = client.get(f"{url}/beoordeling")
    assert 'name="decision"' not in page.get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(f"{url}/besluit", data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 403


def test_dashboards_show_waiting_work_and_overdue_reassessments(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    login_as(users["reviewer"])
    assert "Woonfraude signalen" in client.get("/intern/").get_data(as_text=True)
    decide(api, "reviewer", assessment["id"])
    assert "Wachten op uw beoordeling" not in client.get("/intern/").get_data(as_text=True)
    stored = db.session.get(Assessment, assessment["id"])
    stored.reassessment_due = dt.date(2020, 1, 1)
    db.session.commit()
    login_as(users["submitter"])
    body = client.get("/intern/").get_data(as_text=True)
    assert "Nieuwe toetsing te laat" in body


def test_reassess_and_retire_from_the_overview(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment['id']}"
    page = client.get(url)
    token = csrf_token_from(page)
    slug = db.session.get(Assessment, assessment["id"]).algorithm.slug
    algorithm_id = db.session.get(Assessment, assessment["id"]).algorithm_id
    retired = client.post(
        f"/intern/algoritmes/{algorithm_id}/buiten-gebruik",
        data={"csrf_token": token, "end_date": "2026-12-31", "reason": "Vervangen"},
    )
    assert retired.status_code == 302
    public = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "Buiten gebruik" in public
    assert client.get(f"/algoritmes/{slug}/record.pdf").status_code == 200  # history stays

    again = client.post(url + "/hertoetsen", data={"csrf_token": token})
    assert again.status_code == 302
    stored = db.session.get(Assessment, assessment["id"])
    assert stored.status == "draft"
    assert len(stored.versions) == 1  # the approved version stays as it was


def test_frozen_for_the_owner_forbidden_for_the_board(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["submitter"])
    token = csrf_token_from(client.get(url))
    assert (
        client.post(f"{url}/core", data={"csrf_token": token, "action": "save"}).status_code == 409
    )
    login_as(users["reviewer"])
    token = csrf_token_from(client.get(url))
    assert (
        client.post(f"{url}/core", data={"csrf_token": token, "action": "save"}).status_code == 403
    )
    assert client.post(f"{url}/indienen", data={"csrf_token": token}).status_code == 403
