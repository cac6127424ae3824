"""The audit log: who did what, when, to which object. Append-only.

Every state-changing operation calls `record()`. Events cannot be changed or deleted through
the application: the session refuses to flush such a change.
"""

from __future__ import annotations

import datetime as dt

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A snapshot, so the log stays readable if the account changes later.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="", index=True)
    object_id: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str] = mapped_column(String(45), default="")


class AuditLogChangeError(RuntimeError):
    pass


def record(
    session: Session,
    actor,
    action: str,
    obj=None,
    summary: str = "",
    *,
    object_type: str = "",
    object_id: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event for `actor` (a User or None) doing `action` on `obj`."""
    if obj is not None:
        object_type = object_type or getattr(obj, "audit_type", type(obj).__name__.lower())
        object_id = object_id or str(getattr(obj, "id", "") or "")
    audit_event = AuditEvent(
        **event_values(
            actor,
            action,
            summary,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    )
    session.add(audit_event)
    return audit_event


def event_values(
    actor,
    action: str,
    summary: str = "",
    *,
    object_type: str = "",
    object_id: str = "",
    details: dict | None = None,
) -> dict:
    """The columns of an audit event, for `record` and for a multi-row INSERT of many
    (the register import's batches)."""
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_email": getattr(actor, "email", "") or "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary[:500],
        "details": details or {},
        "ip_address": (request.remote_addr or "")[:45] if has_request_context() else "",
    }


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogChangeError("audit events cannot be changed or deleted")
