"""Assessments: the Uthiek questionnaire for one algorithm, owned by a data scientist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from register.models import Algorithm, JSONType

STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"
STATUS_CHANGES_REQUESTED = "changes_requested"


class Assessment(db.Model):
    __tablename__ = "assessments"
    audit_type = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The register entry this assessment is about; empty until first publication.
    algorithm_id: Mapped[int | None] = mapped_column(ForeignKey("algorithms.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=STATUS_DRAFT, index=True)
    version: Mapped[int] = mapped_column(default=1)
    bank_id: Mapped[str] = mapped_column(String(40))
    bank_version: Mapped[int]
    # What the public will see once published: national standard fields plus Utrecht's.
    register_fields: Mapped[dict] = mapped_column(JSONType, default=dict)
    answers: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    algorithm: Mapped[Algorithm | None] = relationship()

    @property
    def title(self) -> str:
        return self.register_fields.get("name") or f"#{self.id}"
