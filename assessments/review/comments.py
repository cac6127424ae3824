"""Comment threads on an assessment: the board asks, the authors answer. Each changes the
session and audits; the caller commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments import permissions, workflow
from assessments.bank import get_bank
from assessments.models import Assessment, Comment
from assessments.operations import facts
from assessments.review.errors import ReviewConflictError, ReviewForbiddenError, ReviewInvalidError
from assessments.review.transitions import lock, transition
from assessments.review.validation import clean_text
from portal import audit
from portal.db import utcnow


def add_comment(
    session: Session, actor, assessment: Assessment, question_id: str, body: str, parent_id=None
) -> Comment:
    lock(session, assessment)  # it may start the review: a transition
    if not permissions.can_comment_on_assessment(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot comment on this assessment now.")
    errors: dict[str, str] = {}
    body = clean_text(body, "body", errors, required=True)
    bank = get_bank(assessment.bank_id, assessment.bank_version)
    if question_id and question_id not in bank.by_id:
        errors["question_id"] = "unknown"
    parent = None
    if parent_id:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.assessment_id != assessment.id or parent.parent_id:
            errors["parent_id"] = "unknown"
        else:
            question_id = parent.question_id
    if errors:
        raise ReviewInvalidError("The comment is not valid.", errors)
    comment = Comment(
        assessment_id=assessment.id,
        version_number=assessment.version,
        question_id=question_id or "",
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        body=body,
    )
    session.add(comment)
    session.flush()
    if assessment.status == workflow.SUBMITTED and actor.id != assessment.owner_id:
        transition(session, actor, assessment, workflow.START_REVIEW)
    audit.record(
        session,
        actor,
        "comment.added",
        assessment,
        f"assessment {assessment.id}: comment on {question_id or 'the assessment'}",
        details={"comment": comment.id, "question": question_id},
    )
    return comment


def resolve_comment(session: Session, actor, assessment: Assessment, comment: Comment) -> None:
    if not permissions.can_comment_on_assessment(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot change comments on this assessment now.")
    if comment.resolved_at is not None:
        raise ReviewConflictError("This thread is already resolved.")
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    audit.record(
        session,
        actor,
        "comment.resolved",
        assessment,
        f"assessment {assessment.id}: thread {comment.id} resolved",
        details={"comment": comment.id},
    )
