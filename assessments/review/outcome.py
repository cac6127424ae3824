"""The end of a review round: the version is approved or rejected (by the quorum directly,
or by the director's decision on the board's advice). One place, so both paths approve the
same way: overdue conditions refuse it, the record is rendered after commit (publication
waits for it), the conditions become objects, the owner hears it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments import notifications, obligations, quorum, schedule, workflow
from assessments.models import Assessment, AssessmentVersion
from assessments.review.transitions import transition
from portal.db import utcnow


def apply_outcome(
    session: Session, actor, assessment: Assessment, version: AssessmentVersion, state: str
) -> None:
    """`state` is quorum.OUTCOME_APPROVED or quorum.OUTCOME_REJECTED."""
    now = utcnow()
    if state == quorum.OUTCOME_APPROVED:
        obligations.refuse_if_overdue(session, assessment, now.date())
        transition(session, actor, assessment, workflow.APPROVE)
    else:
        transition(session, actor, assessment, workflow.REJECT)
    version.outcome = state
    version.decided_at = now
    assessment.decided_at = now
    if state == quorum.OUTCOME_APPROVED:
        # The record is rendered after this commits; publication waits for it.
        assessment.publication_pending = True
        assessment.reassessment_due = schedule.reassessment_due(
            version.risk_level,
            now.date(),
            [r.proposed_reassessment for r in version.reviews if r.decision in quorum.APPROVALS],
        )
        obligations.create_for_version(session, actor, assessment, version)
    notifications.notify_owner(session, assessment, state)
