"""After publication: suspension, the incidents and complaints register and the change log.

Register data, written by the operations below (audited; the caller commits) and read by the
entry page and the public API. The assessment side (assessments/aftercare.py) decides who
may do what and calls these; the register never asks it anything. Incidents keep numbers of
people affected, never who they are; only counts and, for closed incidents, the short public
description reach the public.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import audit, page_cache
from portal.db import UTCDateTime, utcnow
from portal.extensions import db

KIND_INCIDENT = "incident"
KIND_COMPLAINT = "complaint"
INCIDENT_KINDS = (KIND_INCIDENT, KIND_COMPLAINT)
SEVERITIES = ("low", "medium", "high")
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
INCIDENT_STATUSES = (STATUS_OPEN, STATUS_CLOSED)

# What an owner can declare as changed (see assessments/monitoring_rules.py for which
# ones reopen the assessment).
CHANGE_KINDS = ("data_source", "variable", "retrained_model", "purpose", "affected_group", "minor")

MAX_TEXT = 4000
MAX_PUBLIC_TEXT = 600
MAX_AFFECTED = 10_000_000


class Suspension(db.Model):
    """One suspension of an algorithm, from the decision to suspend to the decision to lift
    it; at most one is not lifted at a time."""

    __tablename__ = "entry_suspensions"
    audit_type = "suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    suspended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str] = mapped_column(Text, default="")
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Moves with every change: the public page cache's generation (portal/page_cache.py).
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Incident(db.Model):
    """An incident or complaint about an algorithm. `description` and `action_taken` are
    internal; `public_description` is written for residents when it is closed."""

    __tablename__ = "entry_incidents"
    audit_type = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=KIND_INCIDENT)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    people_affected: Mapped[int] = mapped_column(default=0)
    severity: Mapped[str] = mapped_column(String(20))
    action_taken: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=STATUS_OPEN, index=True)
    public_description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class EntryChange(db.Model):
    """A change the owner declared, on the entry's public history."""

    __tablename__ = "entry_changes"
    audit_type = "entry_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    material: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AftercareConflictError(RuntimeError):
    """The entry's state does not allow this (HTTP 409)."""


# ------------------------------------------------------------------------------ validation


def _text(data: dict, name: str, errors: dict, *, required: bool, limit: int = MAX_TEXT) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "text"
        return ""
    if len(value) > limit:
        errors[name] = "too_long"
    return value.strip()


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


def clean_reason(data: dict) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    return _text(data, "reason", errors, required=True), errors


def clean_incident(data: dict, today: dt.date) -> tuple[dict, dict[str, str]]:
    """An incident as entered -> clean values and problem codes per field."""
    errors: dict[str, str] = {}
    clean = {
        "kind": data.get("kind") or KIND_INCIDENT,
        "occurred_on": _date(data, "occurred_on", errors),
        "description": _text(data, "description", errors, required=True),
        "severity": data.get("severity"),
        "action_taken": _text(data, "action_taken", errors, required=False),
        "people_affected": data.get("people_affected", 0),
    }
    if clean["kind"] not in INCIDENT_KINDS:
        errors["kind"] = "choice"
    if clean["severity"] not in SEVERITIES:
        errors["severity"] = "choice"
    affected = clean["people_affected"]
    if (
        not isinstance(affected, int)
        or isinstance(affected, bool)
        or not 0 <= affected <= MAX_AFFECTED
    ):
        errors["people_affected"] = "count"
    if clean["occurred_on"] is not None and clean["occurred_on"] > today:
        errors["occurred_on"] = "past"
    return clean, errors


def clean_incident_update(data: dict) -> tuple[dict, dict[str, str]]:
    """Closing (or re-opening) an incident; closing needs the public description."""
    errors: dict[str, str] = {}
    status = data.get("status", STATUS_CLOSED)
    if status not in INCIDENT_STATUSES:
        errors["status"] = "choice"
    clean = {
        "status": status,
        "action_taken": _text(data, "action_taken", errors, required=False),
        "public_description": _text(
            data,
            "public_description",
            errors,
            required=status == STATUS_CLOSED,
            limit=MAX_PUBLIC_TEXT,
        ),
    }
    return clean, errors


# ------------------------------------------------------------------------------ operations


def current_suspension(session: Session, algorithm_id: int) -> Suspension | None:
    return session.scalar(
        select(Suspension)
        .where(Suspension.algorithm_id == algorithm_id, Suspension.lifted_at.is_(None))
        .order_by(Suspension.id.desc())
        .limit(1)
    )


def suspend(session: Session, actor, algorithm, reason: str) -> Suspension:
    """Suspend `algorithm` with the decision's reason. The national status is left as it
    is; the entry page and the API say it is suspended and why."""
    if current_suspension(session, algorithm.id) is not None:
        raise AftercareConflictError("The algorithm is already suspended.")
    now = utcnow()
    suspension = Suspension(
        algorithm_id=algorithm.id,
        reason=reason,
        suspended_at=now,
        suspended_by_id=getattr(actor, "id", None),
        updated_at=now,
    )
    session.add(suspension)
    session.flush()
    audit.record(
        session,
        actor,
        "entry.suspended",
        algorithm,
        f"{algorithm.name}: suspended",
        details={"suspension": suspension.id, "reason": reason[:500]},
    )
    return suspension


def lift_suspension(session: Session, actor, algorithm, reason: str) -> Suspension:
    """Lift the current suspension: a decision with its own reason, recorded and audited."""
    suspension = current_suspension(session, algorithm.id)
    if suspension is None:
        raise AftercareConflictError("The algorithm is not suspended.")
    now = utcnow()
    suspension.lifted_at = now
    suspension.lift_reason = reason
    suspension.lifted_by_id = getattr(actor, "id", None)
    suspension.updated_at = now
    audit.record(
        session,
        actor,
        "entry.suspension_lifted",
        algorithm,
        f"{algorithm.name}: suspension lifted",
        details={"suspension": suspension.id, "reason": reason[:500]},
    )
    return suspension


def suspended_json(suspension: Suspension | None) -> dict | None:
    if suspension is None:
        return None
    return {"since": suspension.suspended_at, "reason": suspension.reason}


def record_incident(session: Session, actor, algorithm, clean: dict) -> Incident:
    now = utcnow()
    incident = Incident(
        algorithm_id=algorithm.id,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
        status=STATUS_OPEN,
        **clean,
    )
    session.add(incident)
    session.flush()
    # Numbers and codes only: the description may name people and stays out of the log.
    audit.record(
        session,
        actor,
        "entry.incident_recorded",
        incident,
        f"{algorithm.name}: {incident.kind} {incident.id} ({incident.severity})",
        details={"algorithm": algorithm.id, "severity": incident.severity},
    )
    return incident


def update_incident(session: Session, actor, incident: Incident, clean: dict) -> Incident:
    now = utcnow()
    incident.status = clean["status"]
    if clean["action_taken"]:
        incident.action_taken = clean["action_taken"]
    if clean["public_description"]:
        incident.public_description = clean["public_description"]
    incident.closed_at = now if incident.status == STATUS_CLOSED else None
    incident.updated_at = now
    audit.record(
        session,
        actor,
        f"entry.incident_{incident.status}",
        incident,
        f"{incident.kind} {incident.id}: {incident.status}",
        details={"algorithm": incident.algorithm_id, "status": incident.status},
    )
    return incident


def incidents_of(session: Session, algorithm_id: int) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.algorithm_id == algorithm_id)
            .order_by(Incident.occurred_on.desc(), Incident.id.desc())
        )
    )


def public_incidents(session: Session, algorithm_id: int) -> dict:
    """What residents see: counts per kind, severity and status, and the closed ones with
    their public description. Never the internal description or who was affected."""
    rows = incidents_of(session, algorithm_id)
    counts = {
        "total": len(rows),
        "open": sum(1 for r in rows if r.status == STATUS_OPEN),
        "closed": sum(1 for r in rows if r.status == STATUS_CLOSED),
        "by_kind": {kind: sum(1 for r in rows if r.kind == kind) for kind in INCIDENT_KINDS},
        "by_severity": {s: sum(1 for r in rows if r.severity == s) for s in SEVERITIES},
        "people_affected": sum(r.people_affected for r in rows),
    }
    closed = [
        {
            "kind": r.kind,
            "occurred_on": r.occurred_on,
            "severity": r.severity,
            "people_affected": r.people_affected,
            "closed_on": r.closed_at.date() if r.closed_at else None,
            "description": r.public_description,
        }
        for r in rows
        if r.status == STATUS_CLOSED
    ]
    return {**counts, "closed_incidents": closed}


def log_change(
    session: Session, actor, algorithm, kind: str, description: str, *, material: bool
) -> EntryChange:
    change = EntryChange(
        algorithm_id=algorithm.id,
        kind=kind,
        material=material,
        description=description,
        declared_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor,
        "entry.change_declared",
        change,
        f"{algorithm.name}: {'material' if material else 'minor'} change ({kind})",
        details={"algorithm": algorithm.id, "kind": kind, "material": material},
    )
    return change


def declared_changes(session: Session, algorithm_id: int) -> list[EntryChange]:
    """Newest first: the entry page's history lists them with the published versions."""
    return list(
        session.scalars(
            select(EntryChange)
            .where(EntryChange.algorithm_id == algorithm_id)
            .order_by(EntryChange.created_at.desc(), EntryChange.id.desc())
        )
    )


def public_changes(session: Session, algorithm_id: int) -> list[dict]:
    return [
        {
            "kind": c.kind,
            "material": c.material,
            "description": c.description,
            "declared_on": c.created_at.date(),
        }
        for c in declared_changes(session, algorithm_id)
    ]


# Moves with every suspension, incident and declared change: part of the public page
# cache's generation, as a publication is.
page_cache.add_generation(select(func.max(Suspension.updated_at)).scalar_subquery())
page_cache.add_generation(select(func.max(Incident.updated_at)).scalar_subquery())
page_cache.add_generation(select(func.max(EntryChange.created_at)).scalar_subquery())
