"""Tells the register who owns an algorithm: the owner of its latest assessment. Residents'
questions about the entry go to them (register/feedback.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.models import Assessment
from register import feedback


def owner_of_algorithm(session: Session, algorithm_id: int) -> int | None:
    return session.scalar(
        select(Assessment.owner_id)
        .where(Assessment.algorithm_id == algorithm_id)
        .order_by(Assessment.id.desc())
        .limit(1)
    )


feedback.register_owner_lookup(owner_of_algorithm)
