"""The two steps every review operation starts from: take the row lock, change the state
through the workflow's table (audited)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments import operations, workflow
from assessments.models import Assessment
from portal import audit


def transition(session: Session, actor, assessment: Assessment, action: str) -> None:
    before = assessment.status
    assessment.status = workflow.next_state(before, action)
    operations.touch(assessment)
    audit.record(
        session,
        actor,
        f"assessment.{action}",
        assessment,
        f"assessment {assessment.id} version {assessment.version}: {before} -> {assessment.status}",
        details={"from": before, "to": assessment.status, "version": assessment.version},
    )


def lock(session: Session, assessment: Assessment) -> None:
    """Take the assessment's row lock (the same one edits and submitting take) before
    reading the state a decision depends on; a concurrent decider waits here and then sees
    ours."""
    operations.lock(session, assessment)
    for version in assessment.versions:
        session.expire(version, ["reviews"])
