"""The board's conditions as objects that bite: text, owner, deadline, status, evidence and
history. (`assessments.conditions` is the questionnaire's show-if logic; this is the other
kind of condition.)

A condition is made from an approving board member's review when its version is approved.
The algorithm's owner reports evidence (text, a link or a file); the member who set it, or
any other board member, accepts it (met), waives it with a reason, or opens it again. A
condition past its deadline that is not met or waived is overdue; while one is, no new
version of the assessment can be approved. The register shows each condition's text,
deadline and status, never names: written by `register.operations.attach_conditions` on
every change (and by the daily `flask reminders send` when one becomes overdue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assessments import permissions, quorum
from assessments.models import Assessment, AssessmentVersion
from assessments.operations import facts
from assessments.review.errors import ReviewConflictError, ReviewForbiddenError, ReviewInvalidError
from assessments.review.transitions import lock
from assessments.review.validation import clean_text
from portal import audit
from portal.db import UTCDateTime, utcnow
from portal.extensions import db

OPEN = "open"
MET = "met"
OVERDUE = "overdue"
WAIVED = "waived"
STATUSES = (OPEN, MET, OVERDUE, WAIVED)
CLOSED = frozenset({MET, WAIVED})
# What the board may set; overdue follows from the deadline.
JUDGED = (OPEN, MET, WAIVED)

MAX_FILE = 5 * 1024 * 1024
FILE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
}
REMIND_DAYS_BEFORE = 14


class Condition(db.Model):
    __tablename__ = "assessment_conditions"
    audit_type = "condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    # Who carries it out, as the board wrote it (a team or a role; not shown publicly).
    owner: Mapped[str] = mapped_column(String(200), default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # open, met, overdue (written by the reminders once the deadline passed) or waived.
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    evidence_text: Mapped[str] = mapped_column(Text, default="")
    evidence_link: Mapped[str] = mapped_column(String(500), default="")
    evidence_file_name: Mapped[str] = mapped_column(String(200), default="")
    evidence_file_type: Mapped[str] = mapped_column(String(100), default="")
    evidence_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    evidence_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    waive_reason: Mapped[str] = mapped_column(Text, default="")
    reminded_before_on: Mapped[dt.date | None] = mapped_column(Date)
    reminded_overdue_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship()
    events: Mapped[list[ConditionEvent]] = relationship(
        order_by="ConditionEvent.id", cascade="save-update, merge"
    )

    def status_on(self, today: dt.date) -> str:
        return effective_status(self.status, self.deadline, today)


class ConditionEvent(db.Model):
    """One change of a condition: who, when, what, the status after it and a note."""

    __tablename__ = "assessment_condition_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("assessment_conditions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


# ----------------------------------------------------------------------------- pure rules


def effective_status(status: str, deadline: dt.date | None, today: dt.date) -> str:
    """Met and waived stay so; anything else past its deadline is overdue."""
    if status in CLOSED:
        return status
    if deadline is not None and deadline < today:
        return OVERDUE
    return OPEN


def reminder_due(
    status: str,
    deadline: dt.date | None,
    today: dt.date,
    reminded_before_on: dt.date | None,
    reminded_overdue_on: dt.date | None,
    days_before: int = REMIND_DAYS_BEFORE,
) -> str | None:
    """'before', 'overdue' or None: which reminder (each once) a condition needs today."""
    if status in CLOSED or deadline is None:
        return None
    if deadline < today:
        return None if reminded_overdue_on else "overdue"
    if (deadline - today).days <= days_before and not reminded_before_on:
        return "before"
    return None


@dataclass(frozen=True)
class Update:
    status: str | None
    evidence_text: str | None
    evidence_link: str | None
    reason: str


def clean_update(data: dict, *, has_file: bool = False) -> tuple[Update, dict[str, str]]:
    """The body of PUT /api/v1/conditions/<id>: {"status", "evidence": {"text", "link"} or
    a text, "reason"}. `has_file`: the web form also uploaded a file as evidence."""
    errors: dict[str, str] = {}
    status = data.get("status")
    if status in (None, ""):
        status = None
    elif status not in JUDGED:
        errors["status"] = "choice"
    evidence = data.get("evidence")
    text = link = None
    if isinstance(evidence, str):
        evidence = {"text": evidence}
    if evidence is not None:
        if not isinstance(evidence, dict):
            errors["evidence"] = "object"
        else:
            text = clean_text(evidence.get("text"), "evidence.text", errors)
            link = clean_text(evidence.get("link"), "evidence.link", errors)
            if link and (len(link) > 500 or not link.lower().startswith(("https://", "http://"))):
                errors["evidence.link"] = "url"
            if not (text or link or has_file) and "evidence.text" not in errors:
                errors["evidence.text"] = "required"
    reason = clean_text(data.get("reason"), "reason", errors)
    if status == WAIVED and not reason:
        errors["reason"] = "required"
    if status is None and evidence is None and not has_file and not errors:
        errors["status"] = "required"
    return Update(status, text, link, reason), errors


def public_list(conditions: list[Condition], today: dt.date) -> list[dict]:
    """What the register shows: text, deadline and status; no names."""
    return [
        {
            "text": c.text,
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "status": c.status_on(today),
        }
        for c in conditions
    ]


# ------------------------------------------------------------------------------- queries


def of_assessment(session: Session, assessment_id: int) -> list[Condition]:
    return list(
        session.scalars(
            select(Condition)
            .where(Condition.assessment_id == assessment_id)
            .order_by(Condition.version_number, Condition.id)
        )
    )


def overdue_of(session: Session, assessment_id: int, today: dt.date) -> list[Condition]:
    return [c for c in of_assessment(session, assessment_id) if c.status_on(today) == OVERDUE]


def overdue_for(session: Session, user, today: dt.date) -> list[Condition]:
    """The overdue conditions `user` may see (owners theirs, board, directors, admins)."""
    candidates = session.scalars(
        select(Condition)
        .where(Condition.status.not_in(CLOSED), Condition.deadline < today)
        .order_by(Condition.deadline, Condition.id)
    )
    return [c for c in candidates if permissions.can_view_conditions(user, facts(c.assessment))]


def refuse_if_overdue(session: Session, assessment: Assessment, today: dt.date) -> None:
    late = overdue_of(session, assessment.id, today)
    if late:
        raise ReviewConflictError(
            "A condition of an earlier version is overdue: no new version can be approved "
            "until it is met or waived.",
            {"conditions": "overdue"},
        )


# ---------------------------------------------------------------------------- operations


def _event(session: Session, condition: Condition, actor, action: str, note: str = "") -> None:
    condition.updated_at = utcnow()
    session.add(
        ConditionEvent(
            condition_id=condition.id,
            actor_id=getattr(actor, "id", None),
            action=action,
            status=condition.status,
            note=note,
        )
    )


def create_for_version(
    session: Session, actor, assessment: Assessment, version: AssessmentVersion
) -> list[Condition]:
    """The approving members' conditions on `version`, as objects (open)."""
    made = []
    for review in version.reviews:
        if review.decision not in quorum.APPROVALS:
            continue
        for item in review.conditions or []:
            try:
                deadline = dt.date.fromisoformat(item.get("deadline") or "")
            except ValueError:
                deadline = None
            condition = Condition(
                assessment_id=assessment.id,
                version_number=version.number,
                review_id=review.id,
                set_by_id=review.reviewer_id,
                text=item.get("text") or "",
                owner=(item.get("owner") or "")[:200],
                deadline=deadline,
            )
            session.add(condition)
            made.append(condition)
    session.flush()
    for condition in made:
        _event(session, condition, actor, "created")
    return made


def update(
    session: Session,
    actor,
    condition: Condition,
    data: dict,
    upload: tuple[str, str, bytes] | None = None,
) -> Condition:
    """Evidence from the owner; status (met, waived with a reason, open) from the board.
    `upload`: (file name, content type, bytes) from the web form."""
    assessment = condition.assessment
    lock(session, assessment)
    rules = facts(assessment)
    if not permissions.can_view_conditions(actor, rules):
        raise ReviewForbiddenError("You may not see this condition.")
    change, errors = clean_update(data, has_file=upload is not None)
    if upload is not None:
        _name, kind, content = upload
        if kind not in FILE_TYPES:
            errors["evidence.file"] = "file_type"
        elif len(content) > MAX_FILE:
            errors["evidence.file"] = "too_large"
        elif not content:
            errors["evidence.file"] = "required"
    if errors:
        raise ReviewInvalidError("The change of the condition is not valid.", errors)
    has_evidence = change.evidence_text is not None or upload is not None
    if has_evidence and not permissions.can_report_condition_evidence(actor, rules):
        raise ReviewForbiddenError("The algorithm's owner reports the evidence.")
    if change.status is not None and not permissions.can_judge_condition(actor, rules):
        raise ReviewForbiddenError("The sounding board accepts or waives a condition.")
    if has_evidence:
        if condition.status in CLOSED:
            raise ReviewConflictError(f"The condition is already {condition.status}.")
        if change.evidence_text is not None:
            condition.evidence_text = change.evidence_text
            condition.evidence_link = change.evidence_link or ""
        if upload is not None:
            name, kind, content = upload
            condition.evidence_file_name = (name or "bewijs")[-200:]
            condition.evidence_file_type = kind
            condition.evidence_file = content
        condition.evidence_at = utcnow()
        note = change.evidence_text or condition.evidence_file_name
        _event(session, condition, actor, "evidence", note)
    if change.status is not None:
        if change.status == MET and not (
            condition.evidence_text or condition.evidence_link or condition.evidence_file_name
        ):
            raise ReviewConflictError("There is no evidence to accept yet.")
        if change.status == condition.status:
            raise ReviewConflictError(f"The condition is already {condition.status}.")
        condition.status = change.status
        condition.waive_reason = change.reason if change.status == WAIVED else ""
        if change.status == OPEN:
            condition.reminded_overdue_on = None
        _event(session, condition, actor, change.status, change.reason)
    session.flush()
    audit.record(
        session,
        actor,
        "condition.updated",
        assessment,
        f"assessment {assessment.id}: condition {condition.id} {condition.status}",
        details={"condition": condition.id, "status": condition.status},
    )
    sync_register(session, assessment)
    return condition


def sync_register(session: Session, assessment: Assessment, today: dt.date | None = None) -> None:
    """Write the public list of conditions into the register entry (no names)."""
    from register import operations as register_operations

    if assessment.algorithm is None:
        return
    today = today or utcnow().date()
    register_operations.attach_conditions(
        assessment.algorithm, public_list(of_assessment(session, assessment.id), today)
    )


def condition_json(condition: Condition, today: dt.date) -> dict:
    return {
        "id": condition.id,
        "assessment_id": condition.assessment_id,
        "version": condition.version_number,
        "text": condition.text,
        "owner": condition.owner,
        "deadline": condition.deadline.isoformat() if condition.deadline else None,
        "status": condition.status_on(today),
        "set_by": condition.set_by_id,
        "evidence": {
            "text": condition.evidence_text,
            "link": condition.evidence_link,
            "file": condition.evidence_file_name or None,
            "at": condition.evidence_at.isoformat() if condition.evidence_at else None,
        },
        "waive_reason": condition.waive_reason,
        "history": [
            {
                "at": e.created_at.isoformat(),
                "by": e.actor_id,
                "action": e.action,
                "status": e.status,
                "note": e.note,
            }
            for e in condition.events
        ],
    }
