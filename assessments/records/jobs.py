"""Rendering and publishing an approval's records as a background job (see portal/jobs.py).

`publish_after_approval` is the switch the approving request calls once its transaction has
committed: with a job queue it enqueues the work and returns at once (the approval stays
`publication_pending`, which the API reports as `record_pending`); without one, or when
Redis does not answer, it renders in the request as before. Either way a job that never
finishes leaves the approval pending, and `flask records resume` completes it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments.models import Assessment
from assessments.records import publication
from portal import jobs
from portal.extensions import db

QUEUED = "queued"
PUBLISHED = "published"
FAILED = "failed"


def publish_after_approval(session: Session, actor, assessment: Assessment) -> str:
    """After the approval committed: QUEUED (a worker renders and publishes), PUBLISHED
    (done in this request) or FAILED (rendering failed here; it stays pending)."""
    if not assessment.publication_pending:
        return PUBLISHED
    if jobs.enqueue(publish_job, assessment.id, getattr(actor, "id", None), retries=2):
        return QUEUED
    return PUBLISHED if publication.publish_now(session, actor, assessment) else FAILED


def publish_job(assessment_id: int, actor_id: int | None) -> bool:
    """In the worker: render, store and publish; a failure raises (RQ keeps it among the
    failed jobs) and leaves the approval pending for a retry or `records resume`."""
    from portal.auth.models import User

    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not assessment.publication_pending:
        return False  # finished meanwhile (another job, `records resume`) or gone
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    publication.publish_approved(db.session, actor, assessment)
    return True
