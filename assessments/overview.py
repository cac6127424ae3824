"""The overview for admins and the director: where every assessment stands, on one page.

Counts per state, how long versions wait in review (median and longest, in days), versions
in review that still need board decisions (quorum gaps), overdue conditions, open
re-assessments with what opened them (monitoring, a declared change, the schedule), and
suspended algorithms. A director limited to departments sees only those departments
(`permissions.on_overview`); a director never sees a draft that was never submitted.

The rules are pure functions at the top (unit-tested on plain data); `build` asks the
database and applies them. Nothing here changes the session.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import obligations, permissions, workflow
from assessments.aftercare import MonitoringReport
from assessments.models import Assessment
from assessments.operations import facts
from assessments.review.queries import current_version, quorum_state
from portal import audit
from portal.auth.roles import ADMIN
from portal.db import utcnow
from register.aftercare import EntryChange, Suspension
from register.models import Algorithm

# Where a version waits for the board or the director.
WAITING = (workflow.SUBMITTED, workflow.IN_REVIEW, workflow.AWAITING_DECISION)
# Not finished: a re-assessment in one of these states is still open.
OPEN = frozenset(workflow.STATES) - workflow.FINAL
# How far back "decided in the last year" looks.
DECIDED_WINDOW_DAYS = 365

CAUSE_MONITORING = "monitoring"
CAUSE_CHANGE = "change"
CAUSE_SCHEDULE = "schedule"
CAUSE_OWNER = "owner"  # started by hand before its date, without a report or a change


# ---------------------------------------------------------------------------- pure rules


def state_counts(states: Iterable[str]) -> list[tuple[str, int]]:
    """(state, number) for every state of the workflow, in its order, zeros included."""
    found: dict[str, int] = {}
    for state in states:
        found[state] = found.get(state, 0) + 1
    return [(state, found.get(state, 0)) for state in workflow.STATES]


@dataclass(frozen=True)
class Durations:
    count: int
    median: float | None  # days; None when there is nothing to measure
    longest: int | None


def durations(days: Iterable[int]) -> Durations:
    values = sorted(max(0, int(d)) for d in days)
    if not values:
        return Durations(0, None, None)
    return Durations(len(values), float(statistics.median(values)), values[-1])


def days_between(start: dt.datetime, end: dt.datetime | dt.date) -> int:
    """Whole days from `start` to `end` (never negative)."""
    end_day = end.date() if isinstance(end, dt.datetime) else end
    return max(0, (end_day - start.date()).days)


def board_gap(board_needed: int, board_approvals: int) -> int:
    """How many more board members must still agree for the quorum."""
    return max(0, board_needed - board_approvals)


def reassessment_cause(
    approved_at: dt.datetime | None,
    reopening_reports: Iterable[dt.datetime],
    material_changes: Iterable[dt.datetime],
    started_at: dt.datetime | None,
    due: dt.date | None,
) -> tuple[str, dt.datetime | None]:
    """What opened a re-assessment, and when: the first monitoring report that reopened it
    or material change declared after the approval; else the schedule when it was started on
    or after its due date (or no start is known but the date has passed); else its owner."""
    after = [
        *((when, CAUSE_MONITORING) for when in reopening_reports),
        *((when, CAUSE_CHANGE) for when in material_changes),
    ]
    if approved_at is not None:
        after = [(when, cause) for when, cause in after if when >= approved_at]
    if after:
        when, cause = min(after)
        return cause, when
    if due is not None and (started_at is None or started_at.date() >= due):
        return CAUSE_SCHEDULE, started_at
    return CAUSE_OWNER, started_at


# ------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class QuorumGap:
    assessment: Assessment
    version: int
    level: int
    board_missing: int
    privacy_officer_missing: bool
    short_of_members: bool  # fewer eligible members exist than the quorum needs
    days_waiting: int


@dataclass(frozen=True)
class Reassessment:
    assessment: Assessment
    cause: str
    since: dt.datetime | None
    due: dt.date | None


@dataclass(frozen=True)
class SuspendedEntry:
    algorithm: Algorithm
    suspension: Suspension
    days: int


@dataclass
class Overview:
    counts: list[tuple[str, int]]
    waiting: Durations
    decided: Durations
    quorum_gaps: list[QuorumGap] = field(default_factory=list)
    overdue_conditions: list = field(default_factory=list)
    reassessments: list[Reassessment] = field(default_factory=list)
    due_by_schedule: list[Assessment] = field(default_factory=list)
    suspended: list[SuspendedEntry] = field(default_factory=list)
    departments: tuple[str, ...] = ()  # the director's departments; empty: all

    @property
    def total(self) -> int:
        return sum(count for _state, count in self.counts)


def in_scope(session: Session, user) -> list[Assessment]:
    """The assessments on `user`'s overview, oldest first."""
    everything = ADMIN in user.roles
    chosen = []
    for assessment in session.scalars(select(Assessment).order_by(Assessment.id)):
        rules = facts(assessment)
        if not permissions.on_overview(user, rules.department):
            continue
        submitted_once = rules.ever_submitted or rules.status not in permissions.NOT_YET_SUBMITTED
        if everything or submitted_once:
            chosen.append(assessment)
    return chosen


def _approved_at(assessment: Assessment) -> dt.datetime | None:
    approved = [v for v in assessment.versions if v.outcome == workflow.APPROVED]
    return approved[-1].decided_at if approved else None


def _reassessments(session: Session, assessments: list[Assessment]) -> list[Reassessment]:
    reopened = [a for a in assessments if a.status in OPEN and _approved_at(a) is not None]
    if not reopened:
        return []
    ids = [a.id for a in reopened]
    reports: dict[int, list[dt.datetime]] = {}
    for assessment_id, created_at in session.execute(
        select(MonitoringReport.assessment_id, MonitoringReport.created_at).where(
            MonitoringReport.assessment_id.in_(ids), MonitoringReport.reopened.is_(True)
        )
    ):
        reports.setdefault(assessment_id, []).append(created_at)
    changes: dict[int, list[dt.datetime]] = {}
    algorithm_ids = {a.algorithm_id for a in reopened if a.algorithm_id}
    if algorithm_ids:
        for algorithm_id, created_at in session.execute(
            select(EntryChange.algorithm_id, EntryChange.created_at).where(
                EntryChange.algorithm_id.in_(algorithm_ids), EntryChange.material.is_(True)
            )
        ):
            changes.setdefault(algorithm_id, []).append(created_at)
    started: dict[int, dt.datetime] = {}
    for object_id, created_at in session.execute(
        select(audit.AuditEvent.object_id, audit.AuditEvent.created_at).where(
            audit.AuditEvent.action == f"assessment.{workflow.REASSESS}",
            audit.AuditEvent.object_type == Assessment.audit_type,
            audit.AuditEvent.object_id.in_([str(i) for i in ids]),
        )
    ):
        started[int(object_id)] = max(created_at, started.get(int(object_id), created_at))
    result = []
    for assessment in reopened:
        cause, since = reassessment_cause(
            _approved_at(assessment),
            reports.get(assessment.id, []),
            changes.get(assessment.algorithm_id, []),
            started.get(assessment.id),
            assessment.reassessment_due,
        )
        result.append(
            Reassessment(
                assessment, cause, since or started.get(assessment.id), assessment.reassessment_due
            )
        )
    return sorted(result, key=lambda r: (r.since is None, r.since or utcnow()))


def _quorum_gaps(session: Session, assessments: list[Assessment], today) -> list[QuorumGap]:
    gaps = []
    for assessment in assessments:
        if assessment.status not in workflow.UNDER_REVIEW:
            continue
        version = current_version(assessment)
        if version is None:
            continue
        outcome = quorum_state(session, assessment, version).outcome
        missing = board_gap(outcome.board_needed, outcome.board_approvals)
        officer = outcome.privacy_officer_needed and not outcome.privacy_officer_approved
        if missing or officer or outcome.short_of_members:
            gaps.append(
                QuorumGap(
                    assessment=assessment,
                    version=version.number,
                    level=version.risk_level,
                    board_missing=missing,
                    privacy_officer_missing=officer,
                    short_of_members=outcome.short_of_members,
                    days_waiting=days_between(version.submitted_at, today),
                )
            )
    return sorted(gaps, key=lambda g: (-g.board_missing, -g.days_waiting, g.assessment.id))


def _overdue_conditions(session: Session, assessments: list[Assessment], today) -> list:
    ids = [a.id for a in assessments]
    if not ids:
        return []
    return list(
        session.scalars(
            select(obligations.Condition)
            .where(
                obligations.Condition.assessment_id.in_(ids),
                obligations.Condition.status.not_in(obligations.CLOSED),
                obligations.Condition.deadline < today,
            )
            .order_by(obligations.Condition.deadline, obligations.Condition.id)
        )
    )


def _suspended(session: Session, user, today) -> list[SuspendedEntry]:
    rows = session.execute(
        select(Algorithm, Suspension)
        .join(Suspension, Suspension.algorithm_id == Algorithm.id)
        .where(Suspension.lifted_at.is_(None))
        .order_by(Suspension.suspended_at)
    ).all()
    return [
        SuspendedEntry(algorithm, suspension, days_between(suspension.suspended_at, today))
        for algorithm, suspension in rows
        if permissions.on_overview(user, algorithm.department)
    ]


def build(session: Session, user, today: dt.date) -> Overview:
    """Everything the overview page shows for `user` on `today`."""
    assessments = in_scope(session, user)
    waiting_days = []
    for assessment in assessments:
        version = current_version(assessment)
        if assessment.status in WAITING and version is not None:
            waiting_days.append(days_between(version.submitted_at, today))
    since = today - dt.timedelta(days=DECIDED_WINDOW_DAYS)
    decided_days = [
        days_between(version.submitted_at, version.decided_at)
        for assessment in assessments
        for version in assessment.versions
        if version.decided_at is not None and version.decided_at.date() >= since
    ]
    return Overview(
        counts=state_counts(a.status for a in assessments),
        waiting=durations(waiting_days),
        decided=durations(decided_days),
        quorum_gaps=_quorum_gaps(session, assessments, today),
        overdue_conditions=_overdue_conditions(session, assessments, today),
        reassessments=_reassessments(session, assessments),
        due_by_schedule=[
            a
            for a in assessments
            if a.status == workflow.APPROVED and a.reassessment_due and a.reassessment_due < today
        ],
        suspended=_suspended(session, user, today),
        departments=()
        if ADMIN in user.roles
        else tuple(sorted(getattr(user, "departments", None) or ())),
    )
