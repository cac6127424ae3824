"""Review and sign-off through the API: quorum, self-review, double decisions, the record,
publication and retirement."""

import io

import pypdf
import pytest
from sqlalchemy.exc import DBAPIError

from assessments import records
from assessments.models import Assessment, Record
from assessments.records import pdf as record_pdf
from portal import audit
from portal.db import history_unlocked
from portal.extensions import db
from register.models import Algorithm
from tests.assessments.helpers import GOOD_SOURCE, V1_SOURCE, create, fill_everything

LOW_RISK = {
    "core.risk_profiling": "no",
    "core.decision_type": "informative",
    "privacy.personal_data": "no",
    "privacy.special_categories": ["none"],
    "discrimination.direct_grounds": ["none"],
    "oversight.legal_effect": "no",
    "provenance.sources": [{**GOOD_SOURCE, "pollution_risk": "no", "pollution_filter": ""}],
}
# At least level 3: the whole board. Bank 2 asks a profiling system for a group analysis
# (or why none is possible), and profiling without personal data must be explained.
PROFILING = {
    **LOW_RISK,
    "core.risk_profiling": "yes",
    "discrimination.group_analysis_none_reason": "Het algoritme draait nog niet; de eerste "
    "analyse volgt na drie maanden.",
    "explanations.items": [
        {
            "finding": "personal_data_contradiction",
            "explanation": "Het algoritme selecteert adressen, niet personen; namen komen er "
            "niet in voor.",
        }
    ],
}
# For assessments kept on bank 1 (its source rows have fewer fields).
LOW_RISK_V1 = {
    **LOW_RISK,
    "provenance.sources": [{**V1_SOURCE, "pollution_risk": "no", "pollution_filter": ""}],
}


def submitted(api, answers, **fields):
    assessment = create(api, **fields)
    fill_everything(api, assessment["id"])
    url = f"/api/v1/assessments/{assessment['id']}"
    saved = api("submitter").put(f"{url}/answers", json={"answers": answers})
    assert saved.status_code == 200, saved.json
    fill_everything(api, assessment["id"])  # follow-up questions these answers opened
    response = api("submitter").post(f"{url}/submit")
    assert response.status_code == 200, response.json
    return response.json


def decide(api, role, assessment_id, decision="approve", **extra):
    body = {"decision": decision, **extra}
    if decision in ("changes_requested", "reject"):
        body.setdefault("comment", "Motivatie van de beoordelaar.")
    if decision == "approve_with_conditions":
        body.setdefault(
            "conditions",
            [{"text": "Herhaal de groepsanalyse", "owner": "Team Data", "deadline": "2027-06-30"}],
        )
    return api(role).post(f"/api/v1/assessments/{assessment_id}/reviews", json=body)


def test_level_1_needs_one_member_and_publishes_with_the_record(api, board, client):
    assessment = submitted(api, LOW_RISK)
    assert assessment["risk"]["level"] == 1, assessment["risk"]
    assert assessment["versions"][0]["number"] == 1
    response = decide(api, "reviewer", assessment["id"])
    assert response.status_code == 201, response.json
    body = response.json
    assert body["outcome"]["state"] == "approved"
    assert body["assessment"]["status"] == "approved"
    assert body["assessment"]["record_pending"] is False
    assert body["assessment"]["register_slug"]
    stored = body["assessment"]["versions"][0]["records"]
    assert set(stored) == {"public", "internal"}

    slug = body["assessment"]["register_slug"]
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert stored["public"]["sha256"] in page
    public_pdf = client.get(f"/algoritmes/{slug}/record.pdf")
    assert public_pdf.status_code == 200
    assert public_pdf.mimetype == "application/pdf"
    assert records.sha256(public_pdf.data) == stored["public"]["sha256"]
    assert client.get(f"/algoritmes/{slug}/record.pdf").data == public_pdf.data

    internal = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/record.pdf")
    assert internal.status_code == 200
    assert records.sha256(internal.data) == stored["internal"]["sha256"]
    entry = client.get(f"/api/v1/algorithms/{slug}").json
    uthiek = [i for i in entry["impacttoetsen_grouping"] if i["title"] == records.UTHIEK_TITLE]
    assert uthiek
    assert uthiek[0]["link"].endswith(".pdf")
    algorithm = db.session.scalar(db.select(Algorithm).where(Algorithm.slug == slug))
    assert algorithm.risk_level == 1


def test_the_record_reads_back_as_pdf_a_with_its_json(api, board):
    assessment = submitted(api, LOW_RISK)
    decide(
        api,
        "reviewer",
        assessment["id"],
        "approve_with_conditions",
        remaining_risks="Kleine kans op fouten bij oude adressen.",
        risk_accepted_by="Afdelingshoofd Wonen",
    )
    internal = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/record.pdf")
    reader = pypdf.PdfReader(io.BytesIO(internal.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 5  # cover, contents, risk, sections, review
    assert "Woonfraude signalen" in text
    assert "Risiconiveau" in text
    assert "Herhaal de groepsanalyse" in text
    assert "Kim Klankbord" in text
    assert "akkoord met voorwaarden" in text
    assert "Pagina 1 van" in text
    assert reader.metadata.title.startswith("Uthiek-toetsing: Woonfraude signalen")
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert (
        "pdfaid"
        in reader.pages[0].pdf.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    )
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    attachments = reader.attachments
    assert "toetsing.json" in attachments
    import json

    data = json.loads(attachments["toetsing.json"][0])
    assert data["assessment"]["id"] == assessment["id"]
    assert data["reviews"][0]["decision"] == "approve_with_conditions"
    assert data["reviews"][0]["remaining_risks"].startswith("Kleine kans")

    public = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/record.pdf?kind=public")
    public_data = json.loads(
        pypdf.PdfReader(io.BytesIO(public.data)).attachments["toetsing.json"][0]
    )
    assert "remaining_risks" not in public_data["reviews"][0]
    assert "reviewer" not in public_data["reviews"][0]
    assert "core.purpose" in public_data["answers"] or public_data["answers"]
    assert "group_outcomes" not in public_data


def test_nobody_reviews_their_own_work_and_one_decision_per_version(api, board, users):
    users["reviewer"].roles = {"reviewer", "submitter"}
    db.session.commit()
    own = submitted(api, PROFILING)  # made by the submitter
    mine = decide(api, "submitter", own["id"])
    assert mine.status_code == 403  # submitters are not on the board
    first = decide(api, "reviewer", own["id"])
    assert first.status_code == 201
    assert first.json["outcome"]["state"] == "pending"
    assert first.json["assessment"]["status"] == "in_review"
    again = decide(api, "reviewer", own["id"], "reject")
    assert again.status_code == 409
    assert again.json["error"]["code"]


def test_admin_who_edited_cannot_review(api, board, users):
    users["admin"].roles = {"admin", "reviewer"}
    db.session.commit()
    assessment = create(api)
    fill_everything(api, assessment["id"])
    url = f"/api/v1/assessments/{assessment['id']}"
    assert api("admin").put(f"{url}/answers", json={"answers": LOW_RISK}).status_code == 200
    assert api("submitter").post(f"{url}/submit").status_code == 200
    assert decide(api, "admin", assessment["id"]).status_code == 403


def test_full_board_and_privacy_officer_for_profiling_with_personal_data(api, board):
    with_personal_data = {
        **PROFILING,
        "privacy.personal_data": "yes",
        # Bank 2: at level 3 or more with personal data the DPIA is done before submitting.
        "privacy.dpia_status": "done",
        "privacy.dpia_url": "https://intranet.utrecht.nl/dpia/woonfraude",
        "privacy.dpia_dpo_advice_date": "2026-03-12",
    }
    assessment = submitted(api, with_personal_data)
    assert assessment["risk"]["level"] >= 3
    for role in board:
        response = decide(api, role, assessment["id"])
        assert response.status_code == 201
    assert response.json["outcome"]["state"] == "pending"  # the privacy officer is missing
    assert response.json["outcome"]["privacy_officer_needed"] is True
    done = decide(api, "privacy_officer", assessment["id"])
    assert done.json["outcome"]["state"] == "approved"
    assert done.json["assessment"]["status"] == "approved"


def test_changes_requested_sends_it_back_and_signoffs_do_not_carry_over(api, board):
    assessment = submitted(api, PROFILING)
    url = f"/api/v1/assessments/{assessment['id']}"
    assert decide(api, "reviewer", assessment["id"]).status_code == 201
    back = decide(api, "reviewer2", assessment["id"], "changes_requested")
    assert back.json["assessment"]["status"] == "changes_requested"
    changed = api("submitter").put(
        f"{url}/answers", json={"answers": {"core.purpose": "Beter uitgelegd doel."}}
    )
    assert changed.status_code == 200
    again = api("submitter").post(f"{url}/submit")
    assert again.json["version"] == 2
    assert again.json["status"] == "submitted"
    for role in ("reviewer2", "reviewer3"):
        pending = decide(api, role, assessment["id"])
    assert pending.json["outcome"]["state"] == "pending"  # the first sign-off was for v1
    assert pending.json["outcome"]["board_approvals"] == 2
    final = decide(api, "reviewer", assessment["id"])
    assert final.json["assessment"]["status"] == "approved"
    versions = final.json["assessment"]["versions"]
    assert [v["outcome"] for v in versions] == ["changes_requested", "approved"]


def test_reject_that_makes_quorum_unreachable_rejects(api, board):
    assessment = submitted(api, PROFILING)
    decide(api, "reviewer", assessment["id"])
    rejected = decide(api, "reviewer2", assessment["id"], "reject")
    assert rejected.json["outcome"]["state"] == "rejected"
    assert rejected.json["assessment"]["status"] == "rejected"
    assert rejected.json["assessment"]["register_slug"] is None
    assert decide(api, "reviewer3", assessment["id"]).status_code == 409


def test_level_2_dissent_is_kept_on_the_record(api, board, monkeypatch):
    from assessments import quorum

    # Level 1 with two members required is level 2's rule; check dissent with level 1 rules:
    assessment = submitted(api, LOW_RISK)
    monkeypatch.setitem(quorum.BOARD_SIZE_BY_LEVEL, 1, 2)
    first = decide(api, "reviewer", assessment["id"], "reject")
    assert first.json["outcome"]["state"] == "pending"  # two others can still approve
    decide(api, "reviewer2", assessment["id"])
    last = decide(api, "reviewer3", assessment["id"])
    assert last.json["outcome"]["state"] == "approved"
    assert last.json["outcome"]["dissent"] == 1
    internal = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/record.pdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(internal.data)).pages)
    assert "afwijkend advies" in text


def test_reviews_are_validated(api, board):
    assessment = submitted(api, LOW_RISK)
    url = f"/api/v1/assessments/{assessment['id']}/reviews"
    cases = [
        ({"decision": "maybe"}, "decision"),
        ({"decision": "reject"}, "comment"),
        ({"decision": "approve_with_conditions"}, "conditions"),
        (
            {"decision": "approve", "conditions": [{"text": "Iets", "owner": "", "deadline": "x"}]},
            "conditions[0].deadline",
        ),
        ({"decision": "approve", "proposed_reassessment": "2001-01-01"}, "proposed_reassessment"),
        (
            {"decision": "approve", "section_advice": {"core": {"advice": "disagree"}}},
            "section_advice.core.motivation",
        ),
    ]
    for body, field in cases:
        response = api("reviewer").post(url, json=body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"], (body, response.json)
    assert db.session.get(Assessment, assessment["id"]).status == "submitted"


def test_publication_waits_for_the_record(api, board, monkeypatch, client):
    assessment = submitted(api, LOW_RISK)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(record_pdf, "render", broken)
    response = decide(api, "reviewer", assessment["id"])
    assert response.status_code == 201
    assert response.json["assessment"]["status"] == "approved"
    assert response.json["assessment"]["record_pending"] is True
    assert db.session.scalar(db.select(db.func.count()).select_from(Algorithm)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 0

    monkeypatch.undo()
    runner = client.application.test_cli_runner()
    result = runner.invoke(args=["records", "resume"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    finished = db.session.get(Assessment, assessment["id"])
    assert finished.publication_pending is False
    assert finished.algorithm.is_published
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 2
    verified = runner.invoke(args=["records", "verify"])
    assert verified.exit_code == 0
    assert "2 records" in verified.output


def test_records_are_immutable_and_verify_reports_tampering(api, board, client):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    record = db.session.scalars(db.select(Record)).first()
    record.pdf = b"%PDF-tampered"
    with pytest.raises(Exception, match="cannot be changed"):
        db.session.flush()
    db.session.rollback()
    tamper = db.update(Record).where(Record.id == record.id).values(sha256="0" * 64)
    with pytest.raises(DBAPIError, match="immutable"):
        db.session.execute(tamper)  # the database refuses plain SQL from the application too
    db.session.rollback()
    # Someone with the right to drop the database's triggers tampers behind its back.
    with db.engine.begin() as connection, history_unlocked(connection):
        connection.execute(tamper)
    result = client.application.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output


def test_every_step_is_audited(api, board):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    actions = {e.action for e in db.session.scalars(db.select(audit.AuditEvent))}
    assert {
        "assessment.submitted",
        "review.decided",
        "assessment.approve",
        "record.stored",
        "register.published",
    } <= actions
