"""Assessments: the Uthiek questionnaire for one algorithm, owned by a data scientist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assessments.workflow import CHANGES_REQUESTED as STATUS_CHANGES_REQUESTED
from assessments.workflow import DRAFT as STATUS_DRAFT
from assessments.workflow import SUBMITTED as STATUS_SUBMITTED
from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from register.models import Algorithm, JSONType

__all__ = ["STATUS_CHANGES_REQUESTED", "STATUS_DRAFT", "STATUS_SUBMITTED"]


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
    # Everyone besides the owner who changed answers or register fields: they may not review.
    editor_ids: Mapped[list] = mapped_column(JSONType, default=list)
    # Bumped by every decision: taking the row lock first serialises concurrent deciders.
    decision_counter: Mapped[int] = mapped_column(default=0)
    # Bumped by every change of answers, register fields or state, under the row lock: the
    # API's ETag and the web form's hidden version, so a stale save is refused (412/409).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Approved, record not yet rendered and stored: publication waits for the record.
    publication_pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reassessment_due: Mapped[dt.date | None] = mapped_column(Date, index=True)

    owner: Mapped[User] = relationship()
    algorithm: Mapped[Algorithm | None] = relationship()
    versions: Mapped[list[AssessmentVersion]] = relationship(
        back_populates="assessment", order_by="AssessmentVersion.number"
    )

    @property
    def title(self) -> str:
        return self.register_fields.get("name") or f"#{self.id}"


class AssessmentVersion(db.Model):
    """A submitted version, frozen: what the board reviewed and decided on."""

    __tablename__ = "assessment_versions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)
    audit_type = "assessment_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    number: Mapped[int]
    bank_id: Mapped[str] = mapped_column(String(40))
    bank_version: Mapped[int]
    answers: Mapped[dict] = mapped_column(JSONType)
    register_fields: Mapped[dict] = mapped_column(JSONType)
    # The risk result at submission, in both languages' texts (weights can change later).
    risk: Mapped[dict] = mapped_column(JSONType)
    risk_level: Mapped[int]
    blocking: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(30))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[Assessment] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship()
    reviews: Mapped[list[Review]] = relationship(
        back_populates="version", order_by="Review.created_at"
    )
    records: Mapped[list[Record]] = relationship(back_populates="version")


class Review(db.Model):
    """One board member's or privacy officer's decision on one version, with their advice."""

    __tablename__ = "reviews"
    # One decision per reviewer per version; the database enforces it under concurrency.
    __table_args__ = (UniqueConstraint("version_id", "reviewer_id"),)
    audit_type = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    as_board_member: Mapped[bool] = mapped_column(Boolean, default=False)
    as_privacy_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    # {section id: {"advice": agree|agree_with_conditions|disagree, "motivation": text}}
    section_advice: Mapped[dict] = mapped_column(JSONType, default=dict)
    # [{"text", "owner", "deadline" (ISO date)}]
    conditions: Mapped[list] = mapped_column(JSONType, default=list)
    remaining_risks: Mapped[str] = mapped_column(Text, default="")
    risk_accepted_by: Mapped[str] = mapped_column(String(200), default="")
    proposed_reassessment: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[AssessmentVersion] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()


class Comment(db.Model):
    """A remark on one question (or on the assessment as a whole), in a resolvable thread."""

    __tablename__ = "assessment_comments"
    audit_type = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    version_number: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.created_at")


class BoardSession(db.Model):
    """A session of the sounding board with the team on one submitted version (issue 12):
    when, who took part, the dilemmas the team brought, notes and what changed as a result.
    Rules and operations: `assessments.board_sessions`."""

    __tablename__ = "board_sessions"
    audit_type = "board_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    # Sounding-board members who took part, as account ids.
    member_ids: Mapped[list] = mapped_column(JSONType, default=list)
    # Everyone else, by name and role only: [{"name", "role"}] (team_member, invited_expert,
    # resident). No other personal data.
    participants: Mapped[list] = mapped_column(JSONType, default=list)
    dilemmas: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    what_changed: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[AssessmentVersion] = relationship()


RECORD_PUBLIC = "public"
RECORD_INTERNAL = "internal"


class Record(db.Model):
    """A rendered PDF record of an approved version. Written once, never changed."""

    __tablename__ = "assessment_records"
    __table_args__ = (UniqueConstraint("version_id", "kind"),)
    audit_type = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"), index=True)
    algorithm_id: Mapped[int | None] = mapped_column(ForeignKey("algorithms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[AssessmentVersion] = relationship(back_populates="records")


class RecordChangeError(RuntimeError):
    """Stored records are immutable."""


@event.listens_for(Session, "before_flush")
def _refuse_record_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Record) and (obj in session.deleted or session.is_modified(obj)):
            raise RecordChangeError("stored records cannot be changed or deleted")


REVIEW_DRAFT_DECISION = "decision"
REVIEW_DRAFT_VERDICT = "verdict"


class ReviewDraft(db.Model):
    """A reviewer's half-written decision or verdict on one version, kept on the server so
    posting a comment does not wipe it (issue 12). Only its reviewer sees it; deciding (or
    saving the verdict) deletes it. Rules and operations: `assessments.review.drafts`."""

    __tablename__ = "review_drafts"
    __table_args__ = (UniqueConstraint("version_id", "reviewer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # REVIEW_DRAFT_DECISION or _VERDICT
    # The form as typed, in the structure the form's parser gives (strings only).
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
