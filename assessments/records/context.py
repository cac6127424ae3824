"""A record's content: the approved version as data (embedded as JSON) and as HTML.

Reads the version and its reviews; changes nothing.
"""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import force_locale

from assessments import presentation, quorum
from assessments.answers import GROUP_OUTCOMES
from assessments.bank import get_bank
from assessments.conditions import shown_questions
from assessments.models import RECORD_INTERNAL, RECORD_PUBLIC, Assessment, AssessmentVersion
from assessments.outcome_display import build as outcome_view
from assessments.outcomes import analyse_for

PDF_VARIANT = "pdf/a-3b"


def record_data(assessment: Assessment, version: AssessmentVersion, kind: str) -> dict:
    """The record's content as data: embedded as JSON and rendered as the PDF's text."""
    bank = get_bank(version.bank_id, version.bank_version)
    public = kind == RECORD_PUBLIC
    # Answers to questions that no longer apply (a condition changed) are not part of it.
    shown = {q.id for q in shown_questions(bank.questions, version.answers)}
    answers = {
        qid: value
        for qid, value in version.answers.items()
        if qid in shown and (not public or bank.by_id[qid].public)
    }
    reviews = []
    for review in version.reviews:
        item = {
            "decision": review.decision,
            "date": review.created_at.date().isoformat(),
            "conditions": review.conditions,
        }
        if not public:
            item.update(
                reviewer=review.reviewer.name,
                as_board_member=review.as_board_member,
                as_privacy_officer=review.as_privacy_officer,
                comment=review.comment,
                section_advice=review.section_advice,
                remaining_risks=review.remaining_risks,
                risk_accepted_by=review.risk_accepted_by,
                proposed_reassessment=review.proposed_reassessment.isoformat()
                if review.proposed_reassessment
                else None,
            )
        reviews.append(item)
    risk = version.risk["nl"]
    data = {
        "record": {"kind": kind, "format": PDF_VARIANT, "language": "nl"},
        "assessment": {
            "id": assessment.id,
            "version": version.number,
            "bank": {"id": version.bank_id, "version": version.bank_version},
            "submitted_at": version.submitted_at.isoformat(),
            "decided_at": version.decided_at.isoformat() if version.decided_at else None,
            "outcome": version.outcome,
            "with_conditions": any(
                r.decision == quorum.APPROVE_WITH_CONDITIONS for r in version.reviews
            ),
            "dissent": sum(1 for r in version.reviews if r.decision == quorum.REJECT),
            "reassessment_due": assessment.reassessment_due.isoformat()
            if assessment.reassessment_due
            else None,
        },
        "algorithm": version.register_fields,
        "risk": {
            "level": risk["level"],
            "label": risk["label"],
            "weights_version": risk["weights_version"],
            "blocking": risk["blocking"],
            # Bank 2: what the level demands (versions of bank 1 have none).
            "requirements": risk.get("requirements", []),
        },
        "answers": answers,
        "reviews": reviews,
        # The board's joint verdict and the director's decision on it (issue 12); empty for
        # versions approved before either existed.
        "verdict": _verdict(version),
        "director_decision": _director_decision(version),
        # The board's sessions with the team: the internal record names who took part and
        # what was said; the public one gives the date and the counts per role only.
        "board_sessions": _board_sessions(version, public),
    }
    if not public:
        data["risk"] = risk
        data["assessment"]["owner"] = assessment.owner.name
        data["assessment"]["submitted_by"] = version.submitted_by.name
        data["group_outcomes"] = analyse_for(
            version.bank_version, answers.get(GROUP_OUTCOMES) or []
        ).as_dict()
    return data


def _verdict(version: AssessmentVersion) -> dict | None:
    from assessments import advice
    from portal.extensions import db

    return advice.verdict_json(advice.verdict_of(db.session, version))


def _director_decision(version: AssessmentVersion) -> dict | None:
    from assessments import advice
    from portal.extensions import db

    return advice.decision_json(advice.decision_of(db.session, version))


def _board_sessions(version: AssessmentVersion, public: bool) -> list[dict]:
    from assessments import board_sessions
    from portal.extensions import db

    return board_sessions.record_rows(db.session, version, public=public)


def record_html(assessment: Assessment, version: AssessmentVersion, kind: str) -> tuple:
    """(HTML of the record, its data for the JSON attachment)."""
    data = record_data(assessment, version, kind)
    bank = get_bank(version.bank_id, version.bank_version)
    outcomes = (
        analyse_for(version.bank_version, data["answers"].get(GROUP_OUTCOMES) or [])
        if kind == RECORD_INTERNAL
        else None
    )
    with force_locale("nl"):
        html = render_template(
            "records/record.html",
            data=data,
            kind=kind,
            version=version,
            assessment=assessment,
            bank=bank,
            risk=version.risk["nl"],
            sections=presentation.section_answers(
                bank, data["answers"], "nl", public_only=kind == RECORD_PUBLIC
            ),
            outcomes=outcomes,
            session_dates=[dt.date.fromisoformat(row["held_on"]) for row in data["board_sessions"]],
            outcome_view=outcome_view(outcomes, bank.by_id.get(GROUP_OUTCOMES))
            if outcomes is not None
            else None,
        )
    return html, data
