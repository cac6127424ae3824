"""Stored records: read them, hash them, check them. Read-only; storing happens in
`publication`, in the transaction that publishes."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.models import (
    RECORD_INTERNAL,
    RECORD_PUBLIC,
    Assessment,
    AssessmentVersion,
    Record,
)
from register.models import Algorithm

RECORD_KINDS = (RECORD_PUBLIC, RECORD_INTERNAL)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def records_for(session: Session, version: AssessmentVersion) -> dict[str, Record]:
    return {
        r.kind: r for r in session.scalars(select(Record).where(Record.version_id == version.id))
    }


def public_records(session: Session, algorithm: Algorithm) -> list[Record]:
    """The algorithm's public records, newest first."""
    return list(
        session.scalars(
            select(Record)
            .where(Record.algorithm_id == algorithm.id, Record.kind == RECORD_PUBLIC)
            .order_by(Record.created_at.desc(), Record.id.desc())
        )
    )


def verify(session: Session) -> list[tuple[Record, str]]:
    """Re-hash every stored record; returns (record, actual hash) for each mismatch."""
    mismatches = []
    for record in session.scalars(select(Record).order_by(Record.id)):
        actual = sha256(record.pdf)
        if actual != record.sha256 or len(record.pdf) != record.size:
            mismatches.append((record, actual))
    return mismatches


def latest_record(session: Session, assessment: Assessment, kind: str) -> Record | None:
    return session.scalars(
        select(Record)
        .join(AssessmentVersion)
        .where(AssessmentVersion.assessment_id == assessment.id, Record.kind == kind)
        .order_by(AssessmentVersion.number.desc())
        .limit(1)
    ).first()
