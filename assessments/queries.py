"""Read-only questions the internal pages ask: which assessments a user may see, and what
the dashboard lists (own work, waiting decisions, overdue re-assessments, pending records).
Nothing here changes the session; the rules of who may see what stay in `permissions`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assessments import permissions, schedule, workflow
from assessments.models import Assessment, Comment
from assessments.operations import facts
from assessments.review.queries import waiting_for
from assessments.visibility import SubmittedView, as_seen_by
from portal.auth.roles import ADMIN, PRIVACY_OFFICER, REVIEWER


def visible_assessments(session: Session, user) -> list[Assessment | SubmittedView]:
    """Every assessment `user` may view, newest change first, as `user` may see it."""
    statement = select(Assessment).order_by(Assessment.updated_at.desc())
    if ADMIN in user.roles:
        return list(session.scalars(statement))
    # Narrow in SQL first; `can_view_assessment` has the last word on each.
    conditions = [Assessment.owner_id == user.id]
    if user.roles & {REVIEWER, PRIVACY_OFFICER}:
        conditions.append(Assessment.submitted_at.is_not(None))
    candidates = session.scalars(statement.where(or_(*conditions)))
    return [
        as_seen_by(user, a) for a in candidates if permissions.can_view_assessment(user, facts(a))
    ]


def in_review(session: Session, user) -> list[Assessment]:
    """Assessments in review (or waiting for the director's decision) that `user` may
    view, oldest submission first."""
    candidates = session.scalars(
        select(Assessment)
        .where(Assessment.status.in_((*workflow.UNDER_REVIEW, workflow.AWAITING_DECISION)))
        .order_by(Assessment.submitted_at)
    )
    return [a for a in candidates if permissions.can_view_assessment(user, facts(a))]


@dataclass
class Dashboard:
    mine: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    pending_records: list = field(default_factory=list)


def dashboard(session: Session, user, today: dt.date) -> Dashboard:
    """What the internal start page lists for `user`: their own assessments, the ones
    waiting for their decision, approved ones past their re-assessment date (for the owner
    and admins) and approvals whose record is not stored yet (for admins)."""
    visible = visible_assessments(session, user)
    is_admin = ADMIN in user.roles
    return Dashboard(
        mine=[a for a in visible if a.owner_id == user.id],
        waiting=waiting_for(session, user),
        overdue=[
            a
            for a in visible
            if a.status == workflow.APPROVED
            and schedule.is_overdue(a.reassessment_due, today)
            and (a.owner_id == user.id or is_admin)
        ],
        pending_records=[a for a in visible if a.publication_pending and is_admin],
    )


def open_thread_count(session: Session, assessment: Assessment) -> int:
    """Top-level comments on `assessment` nobody has resolved yet."""
    return session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.assessment_id == assessment.id,
            Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None),
        )
    )


def owner_ids_of_algorithm(session: Session, algorithm_id: int) -> set[int]:
    """The owners of every assessment of one register entry (they may retire it)."""
    return set(
        session.scalars(select(Assessment.owner_id).where(Assessment.algorithm_id == algorithm_id))
    )
