"""JSON for the internal assessment API (explicit fields; nothing else leaves)."""

from __future__ import annotations

from assessments import answers as answer_rules
from assessments import quorum, scoring
from assessments.bank import Question
from assessments.conditions import shown_questions
from assessments.models import Assessment, AssessmentVersion, Review
from assessments.operations import bank_of
from assessments.outcomes import analyse


def _text(value: dict | None, lang: str) -> str | None:
    return None if value is None else value.get(lang) or value.get("nl")


def question_json(question: Question, lang: str, answer=None, shown: bool | None = None) -> dict:
    data = {
        "id": question.id,
        "type": question.type,
        "required": question.required,
        "text": _text(question.text, lang),
    }
    if question.section:
        data["section"] = question.section
        data["public"] = question.public
        data["scoring"] = question.scoring
    if question.help:
        data["help"] = _text(question.help, lang)
    if question.options:
        data["options"] = [
            {"value": o.value, "label": _text(o.label, lang), "weight": o.weight}
            for o in question.options
        ]
    if question.length_limit and question.type in ("text", "textarea", "url"):
        data["max_length"] = question.length_limit
    if question.type == "group":
        data["questions"] = [question_json(sub, lang) for sub in question.questions]
    if question.show_if:
        data["show_if"] = question.show_if
    if shown is not None:
        data["answer"] = answer
        data["shown"] = shown
    return data


def questions_json(assessment: Assessment, lang: str) -> dict:
    bank = bank_of(assessment)
    shown_ids = {q.id for q in shown_questions(bank.questions, assessment.answers)}
    return {
        "bank": {"id": bank.id, "version": bank.version, "title": _text(bank.title, lang)},
        "sections": [{"id": s.id, "title": _text(s.title, lang)} for s in bank.sections],
        "questions": [
            question_json(q, lang, assessment.answers.get(q.id), q.id in shown_ids)
            for q in bank.questions
        ],
    }


def group_outcomes_json(assessment: Assessment) -> dict:
    rows = assessment.answers.get(answer_rules.GROUP_OUTCOMES) or []
    return analyse(rows).as_dict()


def assessment_json(assessment: Assessment, lang: str) -> dict:
    bank = bank_of(assessment)
    return {
        "id": assessment.id,
        "status": assessment.status,
        "version": assessment.version,
        "owner": {"id": assessment.owner.id, "name": assessment.owner.name},
        "bank": {"id": bank.id, "version": bank.version},
        "algorithm": assessment.register_fields,
        "register_slug": assessment.algorithm.slug if assessment.algorithm else None,
        "risk": scoring.compute(bank, assessment.answers).as_dict(lang),
        "group_outcomes": group_outcomes_json(assessment),
        "completeness": answer_rules.completeness(bank, assessment.answers),
        "created_at": assessment.created_at.isoformat(),
        "updated_at": assessment.updated_at.isoformat(),
        "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
        "decided_at": assessment.decided_at.isoformat() if assessment.decided_at else None,
        "reassessment_due": assessment.reassessment_due.isoformat()
        if assessment.reassessment_due
        else None,
        "record_pending": assessment.publication_pending,
        "versions": [version_json(v) for v in assessment.versions],
    }


def review_json(review: Review) -> dict:
    return {
        "id": review.id,
        "reviewer": {"id": review.reviewer_id, "name": review.reviewer.name},
        "decision": review.decision,
        "comment": review.comment,
        "conditions": review.conditions,
        "section_advice": review.section_advice,
        "remaining_risks": review.remaining_risks,
        "risk_accepted_by": review.risk_accepted_by,
        "proposed_reassessment": review.proposed_reassessment.isoformat()
        if review.proposed_reassessment
        else None,
        "as_board_member": review.as_board_member,
        "as_privacy_officer": review.as_privacy_officer,
        "created_at": review.created_at.isoformat(),
    }


def version_json(version: AssessmentVersion) -> dict:
    return {
        "number": version.number,
        "risk_level": version.risk_level,
        "submitted_at": version.submitted_at.isoformat(),
        "outcome": version.outcome,
        "decided_at": version.decided_at.isoformat() if version.decided_at else None,
        "reviews": [review_json(r) for r in version.reviews],
        "records": {r.kind: {"sha256": r.sha256, "size": r.size} for r in version.records},
    }


def outcome_json(outcome: quorum.Outcome) -> dict:
    return {
        "state": outcome.state,
        "board_needed": outcome.board_needed,
        "board_approvals": outcome.board_approvals,
        "privacy_officer_needed": outcome.privacy_officer_needed,
        "privacy_officer_approved": outcome.privacy_officer_approved,
        "with_conditions": outcome.with_conditions,
        "dissent": len(outcome.dissent),
        "short_of_members": outcome.short_of_members,
    }
