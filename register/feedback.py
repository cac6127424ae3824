"""Residents' questions and error reports about an entry, and the queue that answers them.

Anyone may ask (no login). The register coordinator (admin) sees every question, the
algorithm's owner those assigned to them. The clock runs from the moment of the question:
FEEDBACK_ANSWER_DAYS later it is overdue. A question can be published on the entry with a
summary the coordinator writes; the asker's message and address are never published, never
logged and are purged FEEDBACK_RETENTION_DAYS after the question was answered or closed.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ForeignKey, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal import audit, mail
from portal.db import UTCDateTime, utcnow
from portal.extensions import db, limiter
from portal.problems import N_
from portal.urls import absolute_path, absolute_url
from register.models import Algorithm

STATUS_NEW = "new"
STATUS_FORWARDED = "forwarded"
STATUS_ANSWERED = "answered"
STATUS_CLOSED = "closed"
STATUSES = (STATUS_NEW, STATUS_FORWARDED, STATUS_ANSWERED, STATUS_CLOSED)
OPEN_STATUSES = (STATUS_NEW, STATUS_FORWARDED)
STATUS_LABELS = {
    STATUS_NEW: N_("new"),
    STATUS_FORWARDED: N_("forwarded"),
    STATUS_ANSWERED: N_("answered"),
    STATUS_CLOSED: N_("closed"),
}
MAX_MESSAGE_LENGTH = 5000
MAX_ANSWER_LENGTH = 10000
MAX_SUMMARY_LENGTH = 2000
MAX_EMAIL_LENGTH = 254
# Reference numbers: no 0/O, 1/I/L, so they can be read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_FORM_SALT = "register-feedback-form"
# An e-mail address as the API describes it (and the forms check): plain ASCII, dotted
# local part and host name, a top-level domain of letters. Stricter than RFC 5322 on purpose.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL = re.compile(EMAIL_PATTERN, re.ASCII)


def clean_email(value: str) -> str | None:
    """The address, lower-cased host, or None when it does not fit EMAIL_PATTERN."""
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value):
        return None
    local, _at, host = value.rpartition("@")
    return f"{local}@{host.lower()}"


# One budget per client address over the entry form and the API (FEEDBACK_RATE_LIMIT).
feedback_limit = limiter.shared_limit(
    lambda: current_app.config["FEEDBACK_RATE_LIMIT"], scope="feedback", methods=["POST"]
)


class Feedback(db.Model):
    __tablename__ = "feedback"
    audit_type = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    # Personal data: emptied by the purge (purged_at says when).
    message: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(MAX_EMAIL_LENGTH), default=None)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    status: Mapped[str] = mapped_column(String(20), default=STATUS_NEW, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    # Written by the coordinator; published with the answer when filled in.
    public_summary: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    forwarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    algorithm: Mapped[Algorithm] = relationship()

    @property
    def is_published(self) -> bool:
        return bool(self.public_summary) and bool(self.answer)

    def due_at(self, answer_days: int) -> dt.datetime:
        return self.created_at + dt.timedelta(days=answer_days)

    def is_overdue(self, answer_days: int, now: dt.datetime | None = None) -> bool:
        if self.answered_at is not None or self.status in (STATUS_ANSWERED, STATUS_CLOSED):
            return False
        return (now or utcnow()) > self.due_at(answer_days)


class FeedbackError(ValueError):
    """What the asker sent cannot be stored; `fields` names each problem (English msgids)."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


# Who owns an algorithm is the assessment side's knowledge; it registers a lookup here
# (assessments/feedback_owner.py), so the register never imports it.
_owner_lookups: list[Callable[[Session, int], int | None]] = []


def register_owner_lookup(lookup: Callable[[Session, int], int | None]) -> None:
    if lookup not in _owner_lookups:
        _owner_lookups.append(lookup)


def owner_of(session: Session, algorithm_id: int) -> int | None:
    for lookup in _owner_lookups:
        owner = lookup(session, algorithm_id)
        if owner is not None:
            return owner
    return None


# --- rules ---------------------------------------------------------------------------


def clean_submission(message: object, email: object) -> tuple[str, str | None]:
    """The message and address as stored, or FeedbackError naming what is wrong."""
    problems: dict[str, str] = {}
    text = message.strip() if isinstance(message, str) else ""
    if not text:
        problems["message"] = N_("Write your question or what is not right.")
    elif len(text) > MAX_MESSAGE_LENGTH:
        problems["message"] = N_("Your message is too long. Keep it under 5000 characters.")
    address: str | None = None
    if isinstance(email, str) and email.strip():
        address = clean_email(email)
        if address is None:
            problems["email"] = N_("This is not a valid e-mail address.")
    elif email is not None and not isinstance(email, str):
        problems["email"] = N_("This is not a valid e-mail address.")
    if problems:
        raise FeedbackError(problems)
    return text, address


def form_stamp() -> str:
    """A signed timestamp for the form: submitting proves when the page was loaded."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_FORM_SALT).dumps("f")


def stamp_age(stamp: str, *, now: float | None = None) -> float | None:
    """Seconds since the form was loaded, or None when the stamp is forged or too old."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_FORM_SALT)
    try:
        _value, signed_at = serializer.loads(
            stamp or "",
            max_age=int(current_app.config["FEEDBACK_FORM_MAX_AGE"]),
            return_timestamp=True,
        )
    except (SignatureExpired, BadSignature):
        return None
    return (now if now is not None else utcnow().timestamp()) - signed_at.timestamp()


def looks_like_spam(honeypot: str, stamp: str) -> str | None:
    """Why a form submission is refused as automatic ('honeypot', 'too_fast', 'stamp'), or
    None. People never see the honeypot field and take more than a few seconds."""
    if honeypot:
        return "honeypot"
    age = stamp_age(stamp)
    if age is None:
        return "stamp"
    if age < float(current_app.config["FEEDBACK_MIN_SECONDS"]):
        return "too_fast"
    return None


def median_days(durations: list[dt.timedelta]) -> float | None:
    """Median answer time in days (one decimal), None without answers."""
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 86400, 1)


# --- operations ------------------------------------------------------------------------


def _new_reference(session: Session) -> str:
    while True:
        year = utcnow().year
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        reference = f"V{year}-{code}"
        if session.scalar(select(Feedback.id).where(Feedback.reference == reference)) is None:
            return reference


def _texts(locale: str, msgid: str, **params) -> str:
    with force_locale(locale):
        return gettext(msgid, **params)


def submit(
    session: Session, algorithm: Algorithm, message: object, email: object, locale: str = "nl"
) -> Feedback:
    """Store a question (FeedbackError when it cannot be); the asker gets the reference by
    mail after commit, the owner (or else the coordinator) a notice without the address."""
    text, address = clean_submission(message, email)
    locale = locale if locale in ("nl", "en") else "nl"
    item = Feedback(
        reference=_new_reference(session),
        algorithm_id=algorithm.id,
        algorithm=algorithm,
        message=text,
        email=address,
        locale=locale,
        status=STATUS_NEW,
        owner_id=owner_of(session, algorithm.id),
    )
    session.add(item)
    session.flush()
    audit.record(session, None, "feedback.received", item, f"{item.reference} {algorithm.slug}")
    if address:
        mail.queue(
            session,
            [address],
            _texts(
                locale,
                N_("Your question about %(name)s (%(reference)s)"),
                name=algorithm.name,
                reference=item.reference,
            ),
            _texts(
                locale,
                N_(
                    "Thank you for your question about '%(name)s'. Your reference number "
                    "is %(reference)s. We aim to answer within %(days)s days.\n\n"
                    "You wrote:\n%(message)s\n\n%(link)s\n"
                ),
                name=algorithm.name,
                reference=item.reference,
                days=current_app.config["FEEDBACK_ANSWER_DAYS"],
                message=text,
                link=absolute_url("register.entry", slug=algorithm.slug),
            ),
            private=True,
        )
    _notify_staff(session, item)
    return item


def _notify_staff(session: Session, item: Feedback) -> None:
    from portal.auth.models import User
    from portal.auth.queries import people_with_role
    from portal.auth.roles import ADMIN

    owner = session.get(User, item.owner_id) if item.owner_id else None
    people = [owner] if owner is not None and owner.is_active else people_with_role(session, ADMIN)
    link = absolute_path(f"/intern/vragen/{item.id}")
    subject = _texts(
        "nl",
        N_("New question about %(name)s (%(reference)s)"),
        name=item.algorithm.name,
        reference=item.reference,
    )
    body = _texts(
        "nl",
        N_("A resident asked a question about '%(name)s'. Answer it in the portal:"),
        name=item.algorithm.name,
    )
    mail.queue(session, [p.email for p in people], subject, f"{body}\n\n{link}\n")


def visible_to(user) -> object:
    """A where-clause: admins see every question, anyone else those assigned to them."""
    from portal.auth.permissions import has_role
    from portal.auth.roles import ADMIN

    if has_role(user, ADMIN):
        return Feedback.id.is_not(None)
    return Feedback.owner_id == user.id


def can_see(user, item: Feedback) -> bool:
    from portal.auth.permissions import has_role, is_active_account
    from portal.auth.roles import ADMIN

    return is_active_account(user) and (has_role(user, ADMIN) or item.owner_id == user.id)


def can_publish_summary(user) -> bool:
    from portal.auth.permissions import has_role
    from portal.auth.roles import ADMIN

    return has_role(user, ADMIN)


def can_use_queue(user) -> bool:
    from portal.auth.permissions import has_role
    from portal.auth.roles import ADMIN, SUBMITTER

    return has_role(user, ADMIN, SUBMITTER)


def queue_for(session: Session, user, status: str | None = None) -> list[Feedback]:
    query = select(Feedback).where(visible_to(user))
    if status:
        query = query.where(Feedback.status == status)
    return list(session.scalars(query.order_by(Feedback.created_at.asc(), Feedback.id.asc())))


class FeedbackPermissionError(PermissionError):
    pass


def update(
    session: Session,
    user,
    item: Feedback,
    *,
    status: str | None = None,
    answer: str | None = None,
    public_summary: str | object | None = ...,
    owner_id: int | object | None = ...,
) -> Feedback:
    """Change a question. A new answer is mailed to the asker (after commit) and marks it
    answered; only the coordinator assigns, publishes or unpublishes."""
    if not can_see(user, item):
        raise FeedbackPermissionError("not your question")
    now = utcnow()
    if owner_id is not ... and owner_id != item.owner_id:
        if not can_publish_summary(user):
            raise FeedbackPermissionError("only the coordinator assigns")
        item.owner_id = owner_id
        if owner_id is not None and item.status == STATUS_NEW and status in (None, STATUS_NEW):
            status = STATUS_FORWARDED  # assigning a new question forwards it
    if public_summary is not ...:
        summary = (public_summary or "").strip() or None
        if summary != item.public_summary:
            if not can_publish_summary(user):
                raise FeedbackPermissionError("only the coordinator publishes")
            item.public_summary = summary
    if answer is not None and answer.strip() and answer.strip() != item.answer:
        item.answer = answer.strip()
        item.answered_at = item.answered_at or now
        if status in (None, STATUS_NEW, STATUS_FORWARDED):
            status = STATUS_ANSWERED
        _mail_answer(session, item)
    if status is not None and status != item.status:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        item.status = status
        if status == STATUS_FORWARDED:
            item.forwarded_at = item.forwarded_at or now
        elif status == STATUS_CLOSED:
            item.closed_at = now
    item.updated_at = now
    session.flush()
    audit.record(session, user, "feedback.updated", item, f"{item.reference}: {item.status}")
    return item


def _mail_answer(session: Session, item: Feedback) -> None:
    if not item.email:
        return
    mail.queue(
        session,
        [item.email],
        _texts(
            item.locale, N_("Answer to your question (%(reference)s)"), reference=item.reference
        ),
        _texts(
            item.locale,
            N_(
                "This is the answer to your question about '%(name)s' (%(reference)s):\n\n"
                "%(answer)s\n\n%(link)s\n"
            ),
            name=item.algorithm.name,
            reference=item.reference,
            answer=item.answer,
            link=absolute_url("register.entry", slug=item.algorithm.slug),
        ),
        private=True,
    )


@dataclass(frozen=True)
class PublicFeedback:
    count: int
    answered: int
    median_days_to_answer: float | None
    published: list[dict]


def public_feedback(session: Session, algorithm_id: int) -> PublicFeedback:
    """What the entry shows: how many questions, the median answer time, and the published
    summaries with their answers. Never the message or the address."""
    rows = session.execute(
        select(Feedback.created_at, Feedback.answered_at, Feedback.public_summary, Feedback.answer)
        .where(Feedback.algorithm_id == algorithm_id)
        .order_by(Feedback.created_at.desc())
    ).all()
    durations = [a - c for c, a, _s, _x in rows if a is not None]
    published = [
        {"summary": s, "answer": x, "asked_on": c.date(), "answered_on": a.date() if a else None}
        for c, a, s, x in rows
        if s and x
    ]
    return PublicFeedback(
        count=len(rows),
        answered=len(durations),
        median_days_to_answer=median_days(durations),
        published=published,
    )


def feedback_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Feedback)) or 0


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Empty the message and address of questions answered or closed more than
    `retention_days` ago (unanswered open ones too, after twice that). Returns how many."""
    now = now or utcnow()
    limit = now - dt.timedelta(days=retention_days)
    stale = session.scalars(
        select(Feedback).where(
            Feedback.purged_at.is_(None),
            or_(
                (Feedback.status.in_((STATUS_ANSWERED, STATUS_CLOSED)))
                & (
                    func.coalesce(Feedback.closed_at, Feedback.answered_at, Feedback.updated_at)
                    < limit
                ),
                Feedback.created_at < now - dt.timedelta(days=2 * retention_days),
            ),
        )
    ).all()
    for item in stale:
        item.message = ""
        item.email = None
        item.purged_at = now
    session.flush()
    if stale:
        audit.record(
            session,
            None,
            "feedback.purged",
            None,
            f"{len(stale)} questions purged",
            object_type="feedback",
        )
    return len(stale)
