"""Read-only questions about accounts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
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
