"""Stored results of the link check (one row per entry, field and address)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime
from portal.extensions import db


class LinkCheck(db.Model):
    __tablename__ = "link_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("algorithms.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    ok: Mapped[bool] = mapped_column(index=True)
    status: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(200), default="")
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
