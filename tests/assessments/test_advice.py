"""After the vote (issue 12): the board's verdict, the director's decision (comply or
explain; publication follows it), and conditions that bite (evidence, acceptance, overdue
blocks approval, reminders, the public list)."""

import datetime as dt
import logging

import pytest

from assessments import advice, obligations, quorum, review
from assessments.models import Assessment
from assessments.reminders import send_command
from portal.auth import operations as accounts
from portal.db import utcnow
from portal.extensions import db
from register.models import Algorithm
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.conftest import PASSWORD, csrf_token_from

VERDICT = {
    "want_this": "Ja. Het helpt om overlast sneller aan te pakken.",
    "explain_to_residents": "Ja, als we uitleggen dat een medewerker altijd beslist.",
    "advice": "positive",
    "reasons": "De gegevens zijn goed gecontroleerd en niemand wordt zonder mens beoordeeld.",
}
CONDITION = {"text": "Herhaal de groepsanalyse", "owner": "Team Data", "deadline": "2027-06-30"}


@pytest.fixture
def director(users):
    """A director for every department, and one for another department only."""
    users["director"] = accounts.create_user(
        db.session, None, "dir@utrecht.nl", "Dirk Directeur", {"director"}, password=PASSWORD
    )
    users["elsewhere"] = accounts.create_user(
        db.session, None, "els@utrecht.nl", "Els Elders", {"director"}, password=PASSWORD
    )
    users["elsewhere"].departments = ["Sociaal Domein"]
    db.session.commit()
    return users["director"]


def _verdict(api, assessment_id, role="reviewer", **changes):
    return api(role).post(
        f"/api/v1/assessments/{assessment_id}/verdict", json={**VERDICT, **changes}
    )


def _director(api, assessment_id, decision="adopt", role="director", **extra):
    return api(role).post(
        f"/api/v1/assessments/{assessment_id}/director-decision",
        json={"decision": decision, **extra},
    )


def _mails(caplog, words):
    caplog.set_level(logging.INFO, logger="portal.mail")
    return [r for r in caplog.records if words in getattr(r, "subject", "")]


# ------------------------------------------------------------------------- pure rules


def test_the_director_adopts_or_deviates():
    assert advice.director_result("positive", "adopt") == "approved"
    assert advice.director_result("positive_with_conditions", "adopt") == "approved"
    assert advice.director_result("negative", "adopt") == "rejected"
    assert advice.director_result("positive", "deviate") == "rejected"
    assert advice.director_result("negative", "deviate") == "approved"


def test_the_advice_the_decisions_add_up_to():
    def outcome(state, with_conditions=False):
        return quorum.Outcome(state, 1, 1, False, False, with_conditions=with_conditions)

    assert advice.expected_advice(outcome("approved")) == "positive"
    assert advice.expected_advice(outcome("approved", True)) == "positive_with_conditions"
    assert advice.expected_advice(outcome("rejected")) == "negative"
    assert advice.expected_advice(outcome("pending")) is None


def test_deviating_needs_reasons_adopting_does_not():
    assert advice.clean_director_decision({"decision": "deviate"})[1] == {"reasons": "required"}
    assert advice.clean_director_decision({"decision": "adopt"})[1] == {}
    assert advice.clean_director_decision({"decision": "maybe"})[1] == {"decision": "choice"}


def test_a_condition_is_overdue_after_its_deadline_unless_met_or_waived():
    day = dt.date(2027, 1, 10)
    assert obligations.effective_status("open", dt.date(2027, 1, 10), day) == "open"
    assert obligations.effective_status("open", dt.date(2027, 1, 9), day) == "overdue"
    assert obligations.effective_status("met", dt.date(2027, 1, 9), day) == "met"
    assert obligations.effective_status("waived", dt.date(2027, 1, 9), day) == "waived"


def test_each_reminder_goes_out_once():
    day = dt.date(2027, 1, 10)
    soon, late = dt.date(2027, 1, 20), dt.date(2027, 1, 9)
    assert obligations.reminder_due("open", soon, day, None, None) == "before"
    assert obligations.reminder_due("open", soon, day, day, None) is None
    assert obligations.reminder_due("open", dt.date(2027, 3, 1), day, None, None) is None
    assert obligations.reminder_due("open", late, day, day, None) == "overdue"
    assert obligations.reminder_due("overdue", late, day, day, day) is None
    assert obligations.reminder_due("met", late, day, None, None) is None


def test_waiving_needs_a_reason_and_an_update_needs_something():
    assert obligations.clean_update({"status": "waived"})[1] == {"reason": "required"}
    assert obligations.clean_update({})[1] == {"status": "required"}
    assert obligations.clean_update({"status": "overdue"})[1] == {"status": "choice"}
    assert obligations.clean_update({"evidence": {"link": "javascript:x"}})[1] == {
        "evidence.link": "url"
    }
    assert obligations.clean_update({"evidence": {"text": "Gedaan"}})[1] == {}


# ---------------------------------------------------------------- verdict and decision


def test_with_a_director_the_quorum_advises_and_the_director_publishes(
    api, board, director, client, caplog
):
    caplog.set_level(logging.INFO, logger="portal.mail")
    assessment = submitted(api, LOW_RISK)
    aid = assessment["id"]
    assert _verdict(api, aid, advice="negative").status_code == 200  # prepared early
    response = decide(api, "reviewer", aid)
    assert response.status_code == 201, response.json
    body = response.json["assessment"]
    assert body["status"] == "awaiting_decision"
    assert body["register_slug"] is None  # not published on the last board vote
    assert _mails(caplog, "advies wacht op uw besluit")
    # The prepared verdict contradicts the decisions: the director cannot decide on it.
    assert _director(api, aid).status_code == 409
    assert _verdict(api, aid, advice="negative").json["error"]["fields"] == {"advice": "mismatch"}
    assert _verdict(api, aid).status_code == 200

    assert _director(api, aid, role="elsewhere").status_code == 403  # another department
    assert _director(api, aid, role="reviewer").status_code == 403
    adopted = _director(api, aid, reasons="Het advies is helder.")
    assert adopted.status_code == 200, adopted.json
    assert adopted.json["director_decision"]["result"] == "approved"
    slug = adopted.json["assessment"]["register_slug"]
    assert slug
    assert _director(api, aid).status_code == 409  # decided once

    entry = client.get(f"/api/v1/algorithms/{slug}").json
    assert entry["verdict"] == VERDICT
    assert entry["director_decision"]["decision"] == "adopt"
    assert entry["director_decision"]["overrides_negative_advice"] is False
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "Kunnen we dit met goed fatsoen uitleggen aan onze bewoners?" in page
    assert VERDICT["explain_to_residents"] in page
    assert "heeft het advies van de klankbordgroep overgenomen" in page


def _all_reject(api, aid):
    for role in ("reviewer2", "reviewer3"):
        assert decide(api, role, aid, "reject").status_code == 201
    return decide(api, "reviewer", aid, "reject")


def test_a_negative_advice_the_director_overrides_is_public(api, board, director, client):
    assessment = submitted(api, LOW_RISK)
    aid = assessment["id"]
    rejected = _all_reject(api, aid)
    assert rejected.json["assessment"]["status"] == "awaiting_decision"
    assert _verdict(api, aid, advice="negative").status_code == 200
    silent = _director(api, aid, "deviate")
    assert silent.status_code == 422
    assert silent.json["error"]["fields"] == {"reasons": "required"}
    response = _director(api, aid, "deviate", reasons="De wijk vraagt hier zelf om.")
    assert response.status_code == 200, response.json
    slug = response.json["assessment"]["register_slug"]
    entry = client.get(f"/api/v1/algorithms/{slug}").json
    assert entry["verdict"]["advice"] == "negative"
    assert entry["director_decision"]["overrides_negative_advice"] is True
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "De wijk vraagt hier zelf om." in page
    assert "besloot het toch te gebruiken" in page


def test_adopting_a_negative_advice_rejects_and_publishes_nothing(api, board, director):
    aid = submitted(api, LOW_RISK)["id"]
    _all_reject(api, aid)
    _verdict(api, aid, advice="negative")
    response = _director(api, aid)
    assert response.json["assessment"]["status"] == "rejected"
    assert response.json["assessment"]["register_slug"] is None


def test_only_board_members_write_the_verdict(api, board, director):
    aid = submitted(api, LOW_RISK)["id"]
    assert _verdict(api, aid, role="submitter").status_code == 403
    assert _verdict(api, aid, role="director").status_code == 403
    incomplete = api("reviewer").post(f"/api/v1/assessments/{aid}/verdict", json={"advice": "x"})
    assert incomplete.status_code == 422


def test_without_a_director_the_quorum_still_decides_and_the_verdict_is_published(
    api, board, client
):
    aid = submitted(api, LOW_RISK)["id"]
    assert _verdict(api, aid).status_code == 200
    response = decide(api, "reviewer", aid)
    slug = response.json["assessment"]["register_slug"]
    assert response.json["assessment"]["status"] == "approved"
    entry = client.get(f"/api/v1/algorithms/{slug}").json
    assert entry["verdict"]["reasons"] == VERDICT["reasons"]
    assert entry["director_decision"] is None


def test_the_record_carries_the_verdict_and_the_decision(api, board, director):
    import io

    import pypdf

    aid = submitted(api, LOW_RISK)["id"]
    decide(api, "reviewer", aid)
    _verdict(api, aid)
    _director(api, aid, reasons="Ik volg het klankbord.")
    internal = api("submitter").get(f"/api/v1/assessments/{aid}/record.pdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(internal.data)).pages)
    assert "Het advies van de klankbordgroep" in text
    assert "De directeur neemt het advies over" in text
    assert "Ik volg het klankbord." in text


# ----------------------------------------------------------------------- conditions


def _approved_with_condition(api, **condition):
    aid = submitted(api, LOW_RISK)["id"]
    response = decide(
        api, "reviewer", aid, "approve_with_conditions", conditions=[{**CONDITION, **condition}]
    )
    body = response.json["assessment"]
    if body["status"] == "awaiting_decision":  # a director decides
        _verdict(api, aid, advice="positive_with_conditions")
        body = _director(api, aid).json["assessment"]
    assert body["status"] == "approved", body
    return aid, body["register_slug"]


def test_conditions_are_objects_the_owner_meets_and_the_board_accepts(api, board, client):
    aid, slug = _approved_with_condition(api)
    listed = api("submitter").get(f"/api/v1/assessments/{aid}/conditions").json["conditions"]
    assert [(c["text"], c["owner"], c["deadline"], c["status"]) for c in listed] == [
        (CONDITION["text"], "Team Data", "2027-06-30", "open")
    ]
    cid = listed[0]["id"]
    url = f"/api/v1/conditions/{cid}"
    assert api("submitter").put(url, json={"status": "met"}).status_code == 403
    assert api("reviewer").put(url, json={"status": "met"}).status_code == 409  # no evidence
    assert api("reviewer").put(url, json={"evidence": {"text": "x"}}).status_code == 403
    assert api("other_submitter").put(url, json={"status": "met"}).status_code == 404
    reported = api("submitter").put(
        url, json={"evidence": {"text": "Analyse herhaald.", "link": "https://intra.net/a"}}
    )
    assert reported.status_code == 200, reported.json
    assert reported.json["evidence"]["link"] == "https://intra.net/a"
    met = api("reviewer2").put(url, json={"status": "met"})  # another member may accept
    assert met.status_code == 200
    assert met.json["status"] == "met"
    assert [h["action"] for h in met.json["history"]] == ["created", "evidence", "met"]
    entry = client.get(f"/api/v1/algorithms/{slug}").json
    assert entry["conditions"] == [
        {"text": CONDITION["text"], "deadline": "2027-06-30", "status": "met"}
    ]
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert CONDITION["text"] in page
    assert "Team Data" not in page  # no names


def test_waiving_needs_a_reason(api, board):
    aid, _slug = _approved_with_condition(api)
    cid = api("reviewer").get(f"/api/v1/assessments/{aid}/conditions").json["conditions"][0]["id"]
    url = f"/api/v1/conditions/{cid}"
    assert api("reviewer").put(url, json={"status": "waived"}).status_code == 422
    waived = api("reviewer").put(url, json={"status": "waived", "reason": "Niet meer nodig."})
    assert waived.json["status"] == "waived"
    assert waived.json["waive_reason"] == "Niet meer nodig."


def _make_overdue(aid):
    condition = obligations.of_assessment(db.session, aid)[0]
    # As if the deadline was yesterday from the start (as written into the entry too).
    condition.deadline = utcnow().date() - dt.timedelta(days=1)
    db.session.flush()
    obligations.sync_register(db.session, db.session.get(Assessment, aid))
    db.session.commit()
    return condition.id


def _reassess(aid, users):
    review.reassess(db.session, users["submitter"], db.session.get(Assessment, aid))
    db.session.commit()


def test_an_overdue_condition_blocks_the_next_approval_and_shows_publicly(
    api, board, director, client, users
):
    aid, slug = _approved_with_condition(api)
    cid = _make_overdue(aid)
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "nog geen nieuwe versie" in page
    assert client.get(f"/api/v1/algorithms/{slug}").json["conditions"][0]["status"] == "overdue"

    _reassess(aid, users)
    assert api("submitter").post(f"/api/v1/assessments/{aid}/submit").status_code == 200
    decide(api, "reviewer", aid)
    _verdict(api, aid)
    blocked = _director(api, aid)
    assert blocked.status_code == 409
    assert db.session.get(Assessment, aid).status == "awaiting_decision"
    # Met with evidence: the approval goes through.
    api("submitter").put(f"/api/v1/conditions/{cid}", json={"evidence": "Gedaan, zie rapport."})
    api("reviewer").put(f"/api/v1/conditions/{cid}", json={"status": "met"})
    assert _director(api, aid).status_code == 200


def test_without_a_director_an_overdue_condition_refuses_the_approving_vote(api, board, users):
    aid, _slug = _approved_with_condition(api)
    _make_overdue(aid)
    _reassess(aid, users)
    assert api("submitter").post(f"/api/v1/assessments/{aid}/submit").status_code == 200
    refused = decide(api, "reviewer", aid)
    assert refused.status_code == 409
    assert db.session.get(Assessment, aid).status == "submitted"


def test_reminders_before_and_on_overdue_are_sent_once(api, board, app, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    aid, slug = _approved_with_condition(api)
    condition = obligations.of_assessment(db.session, aid)[0]
    deadline = condition.deadline
    runner = app.test_cli_runner()
    soon = (deadline - dt.timedelta(days=3)).isoformat()
    first = runner.invoke(send_command, ["--today", soon])
    assert first.exit_code == 0, first.output
    assert "1 before the deadline, 0 overdue" in first.output
    assert len(_mails(caplog, "voorwaarde loopt bijna af")) == 1
    again = runner.invoke(send_command, ["--today", soon])
    assert "0 before the deadline, 0 overdue" in again.output
    late = (deadline + dt.timedelta(days=1)).isoformat()
    overdue = runner.invoke(send_command, ["--today", late])
    assert "0 before the deadline, 1 overdue" in overdue.output
    assert runner.invoke(send_command, ["--today", late]).output.startswith("0 before")
    assert len(_mails(caplog, "voorwaarde te laat")) == 1
    db.session.expire_all()
    assert obligations.of_assessment(db.session, aid)[0].status == "overdue"
    algorithm = db.session.scalar(db.select(Algorithm).where(Algorithm.slug == slug))
    assert algorithm.conditions[0]["status"] == "overdue"


# --------------------------------------------------------------------------- the web


def test_the_advice_page_works_without_javascript(api, board, director, client, login_as, users):
    aid = submitted(api, LOW_RISK)["id"]
    decide(api, "reviewer", aid)
    login_as(users["reviewer"])
    page = client.get(f"/intern/toetsingen/{aid}/advies")
    assert page.status_code == 200
    token = csrf_token_from(page)
    empty = client.post(
        f"/intern/toetsingen/{aid}/advies/oordeel",
        data={"csrf_token": token, "advice": "positive", "want_this": "Ja."},
    )
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    # The summary names and links each missing field; what was typed stays.
    assert 'href="#verdict-explain_to_residents"' in html
    assert 'id="verdict-explain_to_residents"' in html
    assert "Waarom" in html or "Redenen" in html
    assert ">Ja.</textarea>" in html
    saved = client.post(
        f"/intern/toetsingen/{aid}/advies/oordeel", data={"csrf_token": token, **VERDICT}
    )
    assert saved.status_code == 302
    login_as(users["director"])
    page = client.get(f"/intern/toetsingen/{aid}/advies")
    html = page.get_data(as_text=True)
    assert "publiceert" in html  # the confirmation says what approving publishes
    decided = client.post(
        f"/intern/toetsingen/{aid}/advies/besluit",
        data={"csrf_token": csrf_token_from(page), "decision": "adopt"},
    )
    assert decided.status_code == 302
    assert db.session.get(Assessment, aid).status == "approved"


def test_the_owner_uploads_evidence_on_the_conditions_page(api, board, client, login_as, users):
    import io

    aid, _slug = _approved_with_condition(api)
    cid = obligations.of_assessment(db.session, aid)[0].id
    login_as(users["submitter"])
    page = client.get(f"/intern/toetsingen/{aid}/voorwaarden")
    assert page.status_code == 200
    sent = client.post(
        f"/intern/voorwaarden/{cid}",
        data={
            "csrf_token": csrf_token_from(page),
            "evidence_file": (io.BytesIO(b"%PDF-1.4 bewijs"), "rapport.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    download = client.get(f"/intern/voorwaarden/{cid}/bewijs")
    assert download.data == b"%PDF-1.4 bewijs"
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_review_page_says_the_quorum_in_plain_words(api, board, client, login_as, users):
    aid = submitted(api, LOW_RISK)["id"]
    login_as(users["reviewer"])
    html = client.get(f"/intern/toetsingen/{aid}/beoordeling").get_data(as_text=True)
    # Level 1: one of the three members is enough, not all three.
    assert "Nog 1 van de 3 leden nodig." in html
    # The form says what approving publishes (no director: at once).
    assert "meteen goedgekeurd" in html
    assert f"/intern/toetsingen/{aid}/advies" in html


def test_the_dashboard_lists_overdue_conditions(api, board, client, login_as, users):
    aid, _slug = _approved_with_condition(api)
    _make_overdue(aid)
    for role in ("submitter", "reviewer", "admin"):
        login_as(users[role])
        html = client.get("/intern/").get_data(as_text=True)
        assert "Voorwaarden te laat" in html, role
        assert CONDITION["text"] in html
    login_as(users["other_submitter"])
    assert "Voorwaarden te laat" not in client.get("/intern/").get_data(as_text=True)


def test_the_decision_form_names_its_fields_and_takes_more_conditions(
    api, board, client, login_as, users
):
    aid = submitted(api, LOW_RISK)["id"]
    login_as(users["reviewer"])
    url = f"/intern/toetsingen/{aid}"
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    refused = client.post(
        f"{url}/besluit",
        data={
            "csrf_token": token,
            "decision": "reject",
            "conditions-rows": "3",
            "conditions-1-text": "Meet elk kwartaal",
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Each problem names its field and links to it, not "Vul dit in." twice.
    assert 'href="#field-comment">Motivering: Vul dit in.</a>' in html
    assert 'href="#field-conditions-1-owner">Voorwaarde 2: Eigenaar: Vul dit in.</a>' in html
    more = client.post(
        f"{url}/besluit",
        data={
            "csrf_token": token,
            "conditions-rows": "3",
            "add-condition": "1",
            "conditions-0-text": "Eerste",
        },
    )
    assert more.status_code == 200
    html = more.get_data(as_text=True)
    assert 'name="conditions-3-text"' in html  # a fourth row
    assert 'value="Eerste"' in html  # what was typed stays
    assert db.session.get(Assessment, aid).status == "submitted"  # nothing recorded


def test_the_queue_triages_once_per_assessment(api, board, client, login_as, users):
    aid = submitted(api, LOW_RISK)["id"]
    login_as(users["reviewer2"])
    token = csrf_token_from(client.get(f"/intern/toetsingen/{aid}/beoordeling"))
    client.post(
        f"/intern/toetsingen/{aid}/opmerkingen",
        data={"csrf_token": token, "body": "Wie controleert de uitkomst?"},
    )
    login_as(users["reviewer"])
    html = client.get("/intern/beoordelen").get_data(as_text=True)
    for header in ("Risiconiveau", "Versie", "Open vragen", "Akkoord", "Dagen wachten"):
        assert f'scope="col">{header}</th>' in html, header
    assert html.count(f"/intern/toetsingen/{aid}/beoordeling") == 1  # not in two tables
    row = html[html.index(f"/intern/toetsingen/{aid}/beoordeling") :].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="utrecht-table__cell">')[1:]]
    assert cells[:5] == ["1", "1", "1", "0 van 1", "0"]
