"""Read-only questions about accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.models import User, UserRole


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
