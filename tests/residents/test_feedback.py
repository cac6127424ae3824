"""Residents' questions: the entry form and the API, spam checks, the internal queue for the
coordinator and the owner, replies by mail, publication on the entry, retention."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import select

from assessments.models import Assessment
from portal.db import utcnow
from portal.extensions import db
from register import feedback
from register.feedback import Feedback
from tests.residents.conftest import body_of

ASKER = "jan.jansen@voorbeeld.nl"


def _stamp(client, slug: str) -> str:
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    match = re.search(r'name="started" value="([^"]+)"', page)
    assert match, "no time stamp in the question form"
    return match.group(1)


def _ask(client, slug: str, message: str = "Klopt de datum wel?", email: str = ASKER, **extra):
    data = {"message": message, "email": email, "started": _stamp(client, slug), "website": ""}
    data.update(extra)
    return client.post(f"/algoritmes/{slug}/vraag", data=data)


def _owned_by(user, algorithm) -> None:
    db.session.add(
        Assessment(owner_id=user.id, algorithm_id=algorithm.id, bank_id="uthiek", bank_version=1)
    )
    db.session.commit()


def test_the_entry_page_has_the_question_form_and_consent(client, publish_entry):
    publish_entry(slug="parkeren")
    page = client.get("/algoritmes/parkeren").get_data(as_text=True)
    assert "Klopt er iets niet? Stel een vraag" in page
    assert 'action="/algoritmes/parkeren/vraag"' in page
    assert 'name="website"' in page  # the honeypot, hidden from people
    assert "We publiceren nooit uw naam of e-mailadres" in page
    english = client.get("/algoritmes/parkeren?lang=en").get_data(as_text=True)
    assert "Is something not right? Ask a question" in english


def test_a_question_gets_a_reference_shown_and_mailed_after_commit(
    client, publish_entry, users, mailbox
):
    publish_entry(slug="parkeren")
    response = _ask(client, "parkeren")
    assert response.status_code == 200
    item = db.session.scalar(select(Feedback))
    assert item.reference in response.get_data(as_text=True)
    assert item.email == ASKER
    assert item.status == feedback.STATUS_NEW
    [to_asker] = mailbox.to(ASKER)
    assert item.reference in to_asker["Subject"]
    assert item.reference in body_of(to_asker)
    # Nobody owns it yet: the coordinator hears of it, without the asker's address.
    [to_admin] = mailbox.to("beheer@utrecht.nl")
    assert ASKER not in body_of(to_admin)
    assert f"/intern/vragen/{item.id}" in body_of(to_admin)


def test_a_question_goes_to_the_owner_of_the_algorithm(client, publish_entry, users, mailbox):
    algorithm = publish_entry(slug="parkeren")
    _owned_by(users["submitter"], algorithm)
    _ask(client, "parkeren")
    item = db.session.scalar(select(Feedback))
    assert item.owner_id == users["submitter"].id
    assert mailbox.to("data@utrecht.nl")
    assert not mailbox.to("beheer@utrecht.nl")


def test_the_honeypot_and_a_forged_stamp_store_nothing(client, publish_entry):
    publish_entry(slug="parkeren")
    caught = _ask(client, "parkeren", website="http://spam.example")
    assert caught.status_code == 422
    forged = _ask(client, "parkeren", started="forged")
    assert forged.status_code == 422
    assert db.session.scalar(select(Feedback)) is None


def test_too_fast_is_refused_but_keeps_the_message(client, publish_entry, app, monkeypatch):
    publish_entry(slug="parkeren")
    monkeypatch.setitem(app.config, "FEEDBACK_MIN_SECONDS", 60)
    response = _ask(client, "parkeren", message="Mijn vraag over de vergunning")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mijn vraag over de vergunning" in page  # in the form again, to send once more
    assert "snel" in page
    assert db.session.scalar(select(Feedback)) is None


def test_an_empty_or_oversized_question_is_refused_on_the_form(client, publish_entry):
    publish_entry(slug="parkeren")
    assert _ask(client, "parkeren", message="   ").status_code == 422
    assert _ask(client, "parkeren", message="x" * 5001).status_code == 422
    bad_address = _ask(client, "parkeren", email="geen adres")
    assert bad_address.status_code == 422
    assert "geen geldig e-mailadres" in bad_address.get_data(as_text=True)
    assert db.session.scalar(select(Feedback)) is None


def test_the_rate_limit_per_address_answers_429(client, publish_entry, app, monkeypatch):
    publish_entry(slug="parkeren")
    monkeypatch.setitem(app.config, "FEEDBACK_RATE_LIMIT", "2 per minute")
    assert _ask(client, "parkeren").status_code == 200
    assert _ask(client, "parkeren").status_code == 200
    page = _ask(client, "parkeren")
    assert page.status_code == 429
    assert "Te veel pogingen" in page.get_data(as_text=True)  # a friendly page
    # The form and the API share one budget per address.
    api = client.post("/api/v1/algorithms/parkeren/feedback", json={"message": "Nog een"})
    assert api.status_code == 429
    assert api.json["error"]["code"] == "too_many_requests"


def test_the_api_takes_a_question_and_refuses_bad_input(
    client, publish_entry, mailbox, app, monkeypatch
):
    monkeypatch.setitem(app.config, "FEEDBACK_RATE_LIMIT", "100 per minute")
    publish_entry(slug="parkeren")
    url = "/api/v1/algorithms/parkeren/feedback"
    created = client.post(url, json={"message": "Waar staat de broncode?", "email": None})
    assert created.status_code == 201
    assert set(created.json) == {"reference"}
    assert db.session.scalar(select(Feedback.reference)) == created.json["reference"]
    for body in (
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 5001},
        {"email": ASKER},
        {"message": "Vraag", "email": "niet-een-adres"},
        {"message": 5},
    ):
        refused = client.post(url, json=body)
        assert refused.status_code == 422, body
    assert client.post(url, data="[]", content_type="application/json").status_code == 400
    assert (
        client.post("/api/v1/algorithms/bestaat-niet/feedback", json={"message": "x"}).status_code
        == 404
    )
    assert db.session.scalar(select(db.func.count()).select_from(Feedback)) == 1


def test_owner_and_coordinator_see_what_they_should(client, publish_entry, users, api, mailbox):
    mine = publish_entry(slug="parkeren")
    other = publish_entry(slug="afval", name="Afvalroutes")
    _owned_by(users["submitter"], mine)
    client.post("/api/v1/algorithms/parkeren/feedback", json={"message": "Vraag 1", "email": ASKER})
    client.post("/api/v1/algorithms/afval/feedback", json={"message": "Vraag 2"})
    assert other.id
    as_admin = api("admin").get("/api/v1/feedback").json["items"]
    assert [i["message"] for i in as_admin] == ["Vraag 1", "Vraag 2"]
    assert all("email" not in i for i in as_admin)  # the address stays in the database
    as_owner = api("submitter").get("/api/v1/feedback").json["items"]
    assert [i["algorithm"] for i in as_owner] == ["parkeren"]
    assert api("other_submitter").get("/api/v1/feedback").json["items"] == []
    assert api("reviewer").get("/api/v1/feedback").json["items"] == []
    theirs = as_admin[1]["id"]
    assert (
        api("submitter").put(f"/api/v1/feedback/{theirs}", json={"status": "closed"}).status_code
        == 404
    )
    assert api("admin").get("/api/v1/feedback?status=bogus").status_code == 422
    assert len(api("admin").get("/api/v1/feedback?status=new").json["items"]) == 2
    assert client.get("/api/v1/feedback").status_code == 401


def test_the_owner_replies_by_mail_and_only_the_coordinator_publishes(
    client, publish_entry, users, api, mailbox
):
    algorithm = publish_entry(slug="parkeren")
    _owned_by(users["submitter"], algorithm)
    client.post(
        "/api/v1/algorithms/parkeren/feedback",
        json={"message": "Ik ben Jan Jansen van de Dorpsstraat 1. Klopt de datum?", "email": ASKER},
    )
    item_id = api("admin").get("/api/v1/feedback").json["items"][0]["id"]
    mailbox.clear()
    refused = api("submitter").put(
        f"/api/v1/feedback/{item_id}", json={"public_summary": "Klopt de datum?"}
    )
    assert refused.status_code == 403
    answered = api("submitter").put(
        f"/api/v1/feedback/{item_id}", json={"answer": "Ja, de datum klopt: maart 2021."}
    )
    assert answered.status_code == 200
    assert answered.json["status"] == "answered"
    assert answered.json["answered_at"]
    [reply] = mailbox.to(ASKER)
    assert "Ja, de datum klopt: maart 2021." in body_of(reply)
    published = api("admin").put(
        f"/api/v1/feedback/{item_id}",
        json={"public_summary": "Iemand vroeg of de begindatum klopt.", "status": "closed"},
    )
    assert published.json["published"] is True
    # The entry shows the summary and the answer, never the message or the address.
    for page in (
        client.get("/algoritmes/parkeren").get_data(as_text=True),
        client.get("/api/v1/algorithms/parkeren").get_data(as_text=True),
        client.get("/algoritmes.json").get_data(as_text=True),
        client.get("/algoritmes.csv").get_data(as_text=True),
    ):
        assert "Jan Jansen" not in page
        assert "Dorpsstraat" not in page
        assert ASKER not in page
    entry = client.get("/api/v1/algorithms/parkeren").json
    assert entry["feedback"]["count"] == 1
    assert entry["feedback"]["published"][0]["summary"] == "Iemand vroeg of de begindatum klopt."
    assert entry["feedback"]["published"][0]["answer"] == "Ja, de datum klopt: maart 2021."
    assert "Iemand vroeg of de begindatum klopt." in client.get("/algoritmes/parkeren").get_data(
        as_text=True
    )


def test_the_entry_shows_the_count_and_the_median_days_to_an_answer(client, publish_entry):
    algorithm = publish_entry(slug="parkeren")
    now = utcnow()
    for days in (2, 4, None):
        asked = now - dt.timedelta(days=10)
        db.session.add(
            Feedback(
                reference=f"V-{days}",
                algorithm_id=algorithm.id,
                message="x",
                created_at=asked,
                answered_at=asked + dt.timedelta(days=days) if days else None,
                status="answered" if days else "new",
            )
        )
    db.session.commit()
    summary = client.get("/api/v1/algorithms/parkeren").json["feedback"]
    assert summary == {"count": 3, "answered": 2, "median_days_to_answer": 3.0, "published": []}
    page = client.get("/algoritmes/parkeren").get_data(as_text=True)
    assert "3 vragen" in page
    assert "binnen 3 dagen" in page


def test_the_clock_runs_from_the_question_and_marks_overdue(
    client, publish_entry, users, api, login_as, app, monkeypatch
):
    monkeypatch.setitem(app.config, "FEEDBACK_ANSWER_DAYS", 14)
    algorithm = publish_entry(slug="parkeren")
    for reference, age in (("V-OUD", 15), ("V-NIEUW", 1)):
        db.session.add(
            Feedback(
                reference=reference,
                algorithm_id=algorithm.id,
                message="x",
                created_at=utcnow() - dt.timedelta(days=age),
            )
        )
    db.session.commit()
    items = {i["reference"]: i for i in api("admin").get("/api/v1/feedback").json["items"]}
    assert items["V-OUD"]["overdue"] is True
    assert items["V-NIEUW"]["overdue"] is False
    login_as(users["admin"])
    page = client.get("/intern/vragen").get_data(as_text=True)
    assert page.count('class="app-overdue"') == 1
    assert "te laat" in page


def test_the_coordinator_assigns_and_answers_in_the_portal(
    client, publish_entry, users, login_as, mailbox
):
    from tests.conftest import csrf_token_from

    publish_entry(slug="parkeren")
    _ask(client, "parkeren")
    item = db.session.scalar(select(Feedback))
    login_as(users["submitter"])
    assert client.get(f"/intern/vragen/{item.id}").status_code == 404  # not theirs yet
    login_as(users["admin"])
    page = client.get(f"/intern/vragen/{item.id}")
    assert page.status_code == 200
    mailbox.clear()
    saved = client.post(
        f"/intern/vragen/{item.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "status": "new",
            "owner_id": str(users["submitter"].id),
            "answer": "",
            "public_summary": "",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    item = db.session.get(Feedback, item.id)
    assert item.owner_id == users["submitter"].id
    assert item.status == "forwarded"
    login_as(users["submitter"])
    page = client.get(f"/intern/vragen/{item.id}")
    assert "Klopt de datum wel?" in page.get_data(as_text=True)
    assert 'name="public_summary"' not in page.get_data(as_text=True)  # only the coordinator
    client.post(
        f"/intern/vragen/{item.id}",
        data={"csrf_token": csrf_token_from(page), "status": "forwarded", "answer": "Ja."},
    )
    [reply] = mailbox.to(ASKER)
    assert "Ja." in body_of(reply)
    login_as(users["reviewer"])
    assert client.get("/intern/vragen").status_code == 403


def test_purge_empties_personal_data_after_the_retention_period(app, publish_entry):
    algorithm = publish_entry(slug="parkeren")
    old = utcnow() - dt.timedelta(days=200)
    db.session.add_all(
        [
            Feedback(
                reference="V-OUD",
                algorithm_id=algorithm.id,
                message="Oud",
                email=ASKER,
                status="answered",
                answer="Antwoord",
                public_summary="Samenvatting",
                created_at=old,
                answered_at=old,
                updated_at=old,
            ),
            Feedback(
                reference="V-RECENT",
                algorithm_id=algorithm.id,
                message="Recent",
                email=ASKER,
                status="answered",
                answer="Antwoord",
                created_at=utcnow(),
                answered_at=utcnow(),
                updated_at=utcnow(),
            ),
            Feedback(
                reference="V-OPEN",
                algorithm_id=algorithm.id,
                message="Open",
                email=ASKER,
                created_at=old,
                updated_at=old,
            ),
        ]
    )
    db.session.commit()
    assert app.config["FEEDBACK_RETENTION_DAYS"] == 180
    result = app.test_cli_runner().invoke(args=["register", "purge-feedback"])
    assert result.exit_code == 0, result.output
    assert "1 questions purged" in result.output
    db.session.expire_all()
    rows = {f.reference: f for f in db.session.scalars(select(Feedback))}
    assert rows["V-OUD"].message == ""
    assert rows["V-OUD"].email is None
    assert rows["V-OUD"].purged_at is not None
    # What was published stays, and so do the counts.
    assert rows["V-OUD"].public_summary == "Samenvatting"
    assert rows["V-OUD"].answer == "Antwoord"
    assert rows["V-RECENT"].email == ASKER
    assert rows["V-OPEN"].email == ASKER  # open, not yet twice the retention period
    result = app.test_cli_runner().invoke(args=["register", "purge-feedback", "--days", "90"])
    assert "1 questions purged" in result.output  # the open one is 200 days old: over 2x90
    db.session.expire_all()
    assert db.session.scalar(select(Feedback).where(Feedback.reference == "V-OPEN")).email is None


def test_addresses_and_messages_never_reach_the_log(client, publish_entry, users, api, caplog):
    # The app's logger ("portal") does not pass records on to the root logger: listen on it.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="portal")
    logging.getLogger("portal").addHandler(caplog.handler)
    try:
        _ask_and_answer(client, publish_entry, users, api)
    finally:
        logging.getLogger("portal").removeHandler(caplog.handler)
    assert any(r.name == "portal.mail" for r in caplog.records)  # the mails were logged
    for record in caplog.records:
        logged = f"{record.getMessage()} {vars(record)}"
        assert ASKER not in logged
        assert "Geheime vraag" not in logged


def _ask_and_answer(client, publish_entry, users, api) -> None:
    algorithm = publish_entry(slug="parkeren")
    _owned_by(users["submitter"], algorithm)
    _ask(client, "parkeren", message="Geheime vraag van Jan")
    item_id = api("admin").get("/api/v1/feedback").json["items"][0]["id"]
    api("submitter").put(f"/api/v1/feedback/{item_id}", json={"answer": "Het antwoord"})
