"""After approval: monitoring reports, incidents, suspension and declared changes.

Monitoring reports are the assessment side's own (they use the bank's group outcome
statistics, `assessments.outcomes`); a report that breaches its thresholds or flags a group
reopens the assessment through the review's own re-assessment (`review.reassess`) and tells
the board after commit. Incidents, suspension and the change log are register data
(`register.aftercare`), written here after the access rules are checked. Each operation
audits; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import Boolean, Date, Float, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessments import (
    advice,
    monitoring_rules,
    notifications,
    outcomes,
    permissions,
    review,
    workflow,
)
from assessments.models import Assessment, AssessmentVersion
from assessments.operations import facts
from portal import audit
from portal.auth.roles import ADMIN, DIRECTOR
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from register import aftercare as register_aftercare
from register.models import Algorithm, JSONType

MAX_NOTES = 4000
MAX_ROWS = 200
MAX_COUNT = 10_000_000


class MonitoringReport(db.Model):
    """One period's monitoring of an approved algorithm."""

    __tablename__ = "monitoring_reports"
    audit_type = "monitoring_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    # The assessment version the thresholds came from (the approved one).
    version_number: Mapped[int]
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    group_outcomes: Mapped[list] = mapped_column(JSONType, default=list)
    analysis: Mapped[dict] = mapped_column(JSONType, default=dict)
    override_rate: Mapped[float | None] = mapped_column(Float)
    objections: Mapped[int] = mapped_column(default=0)
    complaints: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    thresholds: Mapped[dict] = mapped_column(JSONType, default=dict)
    breaches: Mapped[list] = mapped_column(JSONType, default=list)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringThresholds(db.Model):
    """Thresholds of an assessment: the approved level's defaults fixed at publication
    (source 'approval'), or what the board set (its conditions, source 'board'); without a
    row (approved before this was stored), the level's current defaults apply."""

    __tablename__ = "monitoring_thresholds"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    values: Mapped[dict] = mapped_column(JSONType, default=dict)
    source: Mapped[str] = mapped_column(String(30), default="board")
    # The keys the board set (its verdict); the others are the approved level's defaults.
    board_keys: Mapped[list] = mapped_column(JSONType, default=list)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AftercareInvalidError(ValueError):
    def __init__(self, fields: dict[str, str]):
        super().__init__("validation failed")
        self.fields = fields


class AftercareForbiddenError(PermissionError):
    """Who you are does not allow this (403)."""


class AftercareConflictError(RuntimeError):
    """Where the algorithm stands does not allow this (409)."""


# ------------------------------------------------------------------------------- lookups


def algorithm_by_slug(session: Session, slug: str) -> Algorithm | None:
    return session.scalar(select(Algorithm).where(Algorithm.slug == slug))


def assessment_of(session: Session, algorithm: Algorithm) -> Assessment | None:
    """The algorithm's assessment: the newest one that published it."""
    return session.scalar(
        select(Assessment)
        .where(Assessment.algorithm_id == algorithm.id)
        .order_by(Assessment.id.desc())
        .limit(1)
    )


def approved_version(assessment: Assessment) -> AssessmentVersion | None:
    approved = [v for v in assessment.versions if v.outcome == workflow.APPROVED]
    return approved[-1] if approved else None


def thresholds_for(session: Session, assessment: Assessment) -> dict:
    version = approved_version(assessment)
    defaults = monitoring_rules.default_thresholds(version.risk_level if version else None)
    stored = session.get(MonitoringThresholds, assessment.id)
    return {**defaults, **(stored.values if stored else {})}


def thresholds_shown(session: Session, assessment: Assessment) -> list[dict]:
    """Which thresholds apply and who set each: the board (its verdict) or the approved
    level's default. For the monitoring page and the assessment's own page."""
    stored = session.get(MonitoringThresholds, assessment.id)
    return monitoring_rules.shown(
        thresholds_for(session, assessment), stored.board_keys if stored else []
    )


def reports_of(session: Session, algorithm: Algorithm) -> list[MonitoringReport]:
    return list(
        session.scalars(
            select(MonitoringReport)
            .where(MonitoringReport.algorithm_id == algorithm.id)
            .order_by(MonitoringReport.period_end.desc(), MonitoringReport.id.desc())
        )
    )


MAX_LISTED = 500


def algorithms_for(session: Session, user) -> list[Algorithm]:
    """The published algorithms `user` follows up: all for admins, a director's
    departments (all without any), an owner's own."""
    query = select(Algorithm).where(Algorithm.is_published.is_(True))
    departments = list(getattr(user, "departments", None) or [])
    director = permissions.has_role(user, DIRECTOR)
    if not (permissions.has_role(user, ADMIN) or (director and not departments)):
        owned = select(Assessment.algorithm_id).where(Assessment.owner_id == user.id)
        mine = Algorithm.id.in_(owned)
        if director:
            mine = mine | Algorithm.department.in_(departments)
        query = query.where(mine)
    return list(session.scalars(query.order_by(Algorithm.sort_name).limit(MAX_LISTED)))


# ------------------------------------------------------------------------------ validation


def _count(data: dict, name: str, errors: dict) -> int:
    value = data.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        errors[name] = "count"
        return 0
    return value


def _date(data: dict, name: str, errors: dict) -> dt.date | None:
    value = data.get(name)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        errors[name] = "required"
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = "date"
        return None


def clean_report(data: dict, today: dt.date) -> tuple[dict, dict[str, str]]:
    """A monitoring report as sent -> clean values and problem codes per field."""
    errors: dict[str, str] = {}
    start = _date(data, "period_start", errors)
    end = _date(data, "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = "before_start"
    if end and end > today:
        errors["period_end"] = "future"
    rate = data.get("override_rate")
    if rate is not None and (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not math.isfinite(rate)
        or not 0 <= rate <= 1
    ):
        errors["override_rate"] = "fraction"
        rate = None
    rows = data.get("group_outcomes") or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        errors["group_outcomes"] = "rows"
        rows = []
    elif len(rows) > MAX_ROWS:
        errors["group_outcomes"] = "too_many"
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        errors["notes"] = "text"
        notes = ""
    elif len(notes) > MAX_NOTES:
        errors["notes"] = "too_long"
    clean = {
        "period_start": start,
        "period_end": end,
        "group_outcomes": rows,
        "override_rate": None if rate is None else float(rate),
        "objections": _count(data, "objections", errors),
        "complaints": _count(data, "complaints", errors),
        "notes": notes.strip(),
    }
    return clean, errors


# ------------------------------------------------------------------------------ operations


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise AftercareForbiddenError(message)


MONITOR = "monitor"
RECORD_INCIDENT = "record_incident"
SUSPEND = "suspend"
DECLARE_CHANGE = "declare_change"


def authorize(session: Session, actor, algorithm: Algorithm, action: str) -> None:
    """Who may do `action` with this algorithm, asked before a request's body is read:
    AftercareForbiddenError (403) for the wrong person, AftercareConflictError (409) when
    the algorithm has no assessment that the action needs."""
    assessment = assessment_of(session, algorithm)
    rules = facts(assessment) if assessment else None
    if action == SUSPEND:
        allowed = permissions.can_suspend(actor, algorithm.department)
    elif action == RECORD_INCIDENT:
        allowed = permissions.can_record_incident(actor, rules, algorithm.department)
    elif rules is None:
        # Without an assessment there is no owner: only an admin could, and there is
        # nothing to monitor or reopen.
        if permissions.has_role(actor, ADMIN):
            raise AftercareConflictError("This algorithm has no assessment.")
        allowed = False
    else:
        allowed = permissions.can_file_monitoring(actor, rules)
    _require(allowed, "You may not do this with this algorithm.")


def file_report(
    session: Session, actor, algorithm: Algorithm, data: dict
) -> tuple[MonitoringReport, list[monitoring_rules.Breach]]:
    """Store a monitoring report with its analysis; when it breaches a threshold or flags a
    group, reopen the assessment (a new draft version) and tell the board."""
    assessment = assessment_of(session, algorithm)
    if assessment is None:
        raise AftercareConflictError("This algorithm has no assessment to monitor.")
    _require(
        permissions.can_file_monitoring(actor, facts(assessment)),
        "Only the algorithm's owner and admins file monitoring reports.",
    )
    version = approved_version(assessment)
    if version is None:
        raise AftercareConflictError("The algorithm has no approved assessment yet.")
    clean, errors = clean_report(data, utcnow().date())
    if errors:
        raise AftercareInvalidError(errors)
    analysis = outcomes.analyse_for(version.bank_version, clean["group_outcomes"])
    if analysis.problems:
        raise AftercareInvalidError({"group_outcomes": "; ".join(analysis.problems)[:500]})
    thresholds = thresholds_for(session, assessment)
    found = monitoring_rules.breaches(
        thresholds,
        override_rate=clean["override_rate"],
        objections=clean["objections"],
        complaints=clean["complaints"],
        flagged_groups=analysis.flagged_groups,
        group_ratio=monitoring_rules.lowest_group_ratio(analysis.as_dict()),
    )
    report = MonitoringReport(
        algorithm_id=algorithm.id,
        assessment_id=assessment.id,
        version_number=version.number,
        analysis=analysis.as_dict(),
        thresholds=thresholds,
        breaches=[b.as_dict() for b in found],
        filed_by_id=actor.id,
        created_at=utcnow(),
        **clean,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor,
        "monitoring.report_filed",
        report,
        f"{algorithm.name}: monitoring {clean['period_start']} - {clean['period_end']}",
        details={
            "algorithm": algorithm.id,
            "assessment": assessment.id,
            "breaches": [b.rule for b in found],
        },
    )
    if found:
        report.reopened = _reopen(session, actor, assessment)
        notifications.notify_board_of_monitoring(
            session, assessment, algorithm.name, [b.rule for b in found], report.reopened
        )
    return report, found


def _reopen(session: Session, actor, assessment: Assessment) -> bool:
    """A re-assessment through the review's own operation; False when it is open already
    (a draft or in review) or its record is still being stored."""
    if assessment.status != workflow.APPROVED or assessment.publication_pending:
        return False
    review.reassess(session, actor, assessment)
    return True


def set_thresholds(session: Session, actor, assessment: Assessment, values: dict) -> dict:
    """The board's conditions set thresholds; laid over the level's defaults."""
    version = approved_version(assessment)
    base = monitoring_rules.default_thresholds(version.risk_level if version else None)
    clean, errors = monitoring_rules.clean_thresholds(values, base)
    if errors:
        raise AftercareInvalidError(errors)
    stored = session.get(MonitoringThresholds, assessment.id)
    if stored is None:
        stored = MonitoringThresholds(assessment_id=assessment.id)
        session.add(stored)
    stored.values = clean
    stored.source = "board"
    stored.board_keys = sorted(
        {*(stored.board_keys or ()), *(k for k in values if k in monitoring_rules.BOARD_KEYS)}
    )
    stored.set_by_id = getattr(actor, "id", None)
    stored.set_at = utcnow()
    audit.record(
        session,
        actor,
        "monitoring.thresholds_set",
        assessment,
        f"assessment {assessment.id}: monitoring thresholds set",
        details=clean,
    )
    return clean


def fix_thresholds_at_approval(session: Session, assessment: Assessment, risk_level) -> dict:
    """At publication of an approval: store the approved level's default thresholds with
    what the board set in its verdict on the approved version laid over them, so a later
    change of the level's defaults does not alter what this approval is held to. Each
    approval fixes them anew (a new verdict, new thresholds)."""
    values = monitoring_rules.default_thresholds(risk_level)
    verdict = advice.verdict_of(session, approved_version(assessment))
    board = dict((verdict.monitoring_thresholds or {}) if verdict else {})
    values.update(board)
    stored = session.get(MonitoringThresholds, assessment.id)
    if stored is None:
        stored = MonitoringThresholds(assessment_id=assessment.id)
        session.add(stored)
    stored.values = values
    stored.source = "board" if board else "approval"
    stored.board_keys = sorted(board)
    stored.set_by_id = verdict.author_id if board else None
    stored.set_at = utcnow()
    return values


def record_incident(session: Session, actor, algorithm: Algorithm, data: dict):
    assessment = assessment_of(session, algorithm)
    _require(
        permissions.can_record_incident(
            actor, facts(assessment) if assessment else None, algorithm.department
        ),
        "Only the algorithm's owner, its director and admins record incidents.",
    )
    clean, errors = register_aftercare.clean_incident(data, utcnow().date())
    if errors:
        raise AftercareInvalidError(errors)
    return register_aftercare.record_incident(session, actor, algorithm, clean)


def update_incident(session: Session, actor, algorithm: Algorithm, incident_id: int, data: dict):
    incident = session.get(register_aftercare.Incident, incident_id)
    if incident is None or incident.algorithm_id != algorithm.id:
        raise LookupError("no such incident")
    assessment = assessment_of(session, algorithm)
    _require(
        permissions.can_record_incident(
            actor, facts(assessment) if assessment else None, algorithm.department
        ),
        "Only the algorithm's owner, its director and admins change incidents.",
    )
    clean, errors = register_aftercare.clean_incident_update(data)
    if errors:
        raise AftercareInvalidError(errors)
    return register_aftercare.update_incident(session, actor, incident, clean)


def suspend(session: Session, actor, algorithm: Algorithm, data: dict):
    _require(
        permissions.can_suspend(actor, algorithm.department),
        "Only the director responsible for this algorithm and admins suspend it.",
    )
    reason, errors = register_aftercare.clean_reason(data)
    if errors:
        raise AftercareInvalidError(errors)
    try:
        return register_aftercare.suspend(session, actor, algorithm, reason)
    except register_aftercare.AftercareConflictError as error:
        raise AftercareConflictError(str(error)) from None


def lift_suspension(session: Session, actor, algorithm: Algorithm, data: dict):
    _require(
        permissions.can_suspend(actor, algorithm.department),
        "Only the director responsible for this algorithm and admins lift a suspension.",
    )
    reason, errors = register_aftercare.clean_reason(data)
    if errors:
        raise AftercareInvalidError(errors)
    try:
        return register_aftercare.lift_suspension(session, actor, algorithm, reason)
    except register_aftercare.AftercareConflictError as error:
        raise AftercareConflictError(str(error)) from None


def declare_change(session: Session, actor, algorithm: Algorithm, data: dict) -> dict:
    """The owner declares a change: a material one reopens the assessment (a new version,
    through `review.reassess`), a minor one is only logged on the entry's history."""
    assessment = assessment_of(session, algorithm)
    if assessment is None:
        raise AftercareConflictError("This algorithm has no assessment.")
    _require(
        permissions.can_declare_change(actor, facts(assessment)),
        "Only the algorithm's owner and admins declare changes.",
    )
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in register_aftercare.CHANGE_KINDS:
        errors["kind"] = "choice"
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        errors["description"] = "required"
    elif len(description) > register_aftercare.MAX_PUBLIC_TEXT:
        errors["description"] = "too_long"
    declared = data.get("material", False)
    if not isinstance(declared, bool):
        errors["material"] = "boolean"
    if errors:
        raise AftercareInvalidError(errors)
    material = monitoring_rules.is_material(kind, declared)
    if material and assessment.status == workflow.APPROVED and assessment.publication_pending:
        raise AftercareConflictError("The record of the approved version is not stored yet.")
    change = register_aftercare.log_change(
        session, actor, algorithm, kind, description.strip(), material=material
    )
    reopened = _reopen(session, actor, assessment) if material else False
    return {"change": change, "material": material, "reopened": reopened, "assessment": assessment}
