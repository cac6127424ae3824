"""Read-only questions about accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit, audit_sentences
from portal.auth.models import ApiToken, User, UserRole


def people_with_role(session: Session, role: str) -> list[User]:
    """The active accounts with `role`, by name."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.name)
        )
    )


def recent_activity(session: Session, actor_id: int | None = None, limit: int = 10) -> list:
    """The latest audit events, newest first: one account's own, or everyone's."""
    statement = select(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).limit(limit)
    if actor_id is not None:
        statement = statement.where(audit.AuditEvent.actor_id == actor_id)
    return list(session.scalars(statement))


def active_token_count(session: Session, user_id: int) -> int:
    """The account's API tokens that are not revoked."""
    return session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )


def active_user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))


@dataclass(frozen=True)
class AuditChoices:
    """The audit log's filter lists: (value, label) pairs, sorted by label."""

    actions: list[tuple[str, str]]
    actors: list[tuple[int, str]]
    object_types: list[tuple[str, str]]


def audit_filter_choices(session: Session) -> AuditChoices:
    """Every action with a sentence and every one in the log; the people who acted; every
    kind of object named in the registry or the log."""
    logged_actions = set(session.scalars(select(audit.AuditEvent.action).distinct()))
    actions = audit_sentences.registered_actions() | logged_actions
    logged_types = set(session.scalars(select(audit.AuditEvent.object_type).distinct()))
    types = (audit_sentences.registered_object_types() | logged_types) - {""}
    actor_ids = select(audit.AuditEvent.actor_id).where(audit.AuditEvent.actor_id.is_not(None))
    people = session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(actor_ids.distinct()))
    ).all()
    return AuditChoices(
        actions=sorted(
            ((a, audit_sentences.action_label(a)) for a in actions), key=lambda c: c[1].lower()
        ),
        actors=sorted(
            ((p.id, f"{p.name} ({p.email})") for p in people), key=lambda c: c[1].lower()
        ),
        object_types=sorted(
            ((t, audit_sentences.object_type_label(t)) for t in types), key=lambda c: c[1].lower()
        ),
    )
