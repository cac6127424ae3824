"""Notices of change by e-mail: to one entry, a department, a theme or the whole register.

Double opt-in: a subscription does nothing until its confirmation link is opened. Every
notice carries a one-click unsubscribe link (RFC 8058 List-Unsubscribe and
List-Unsubscribe-Post headers). Immediate subscribers get a mail per publication, after the
publishing transaction commits; weekly ones a digest (`flask register send-digests`).
Unsubscribing deletes the row: the address is not kept.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import ForeignKey, String, delete, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal import mail
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.problems import N_
from portal.urls import absolute_url
from register import changes
from register.feedback import clean_email
from register.models import VERSION_PUBLISHED, Algorithm, AlgorithmTheme, AlgorithmVersion

SCOPE_ENTRY = "entry"
SCOPE_DEPARTMENT = "department"
SCOPE_THEME = "theme"
SCOPE_ALL = "all"
SCOPES = (SCOPE_ALL, SCOPE_ENTRY, SCOPE_DEPARTMENT, SCOPE_THEME)
IMMEDIATE = "immediate"
WEEKLY = "weekly"
FREQUENCIES = (IMMEDIATE, WEEKLY)
DIGEST_INTERVAL = dt.timedelta(days=7)


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    algorithm_id: Mapped[int | None] = mapped_column(ForeignKey("algorithms.id"), index=True)
    value: Mapped[str] = mapped_column(String(200), default="")
    frequency: Mapped[str] = mapped_column(String(20), default=IMMEDIATE)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    confirm_token: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    algorithm: Mapped[Algorithm | None] = relationship()

    def matches(self, algorithm: Algorithm) -> bool:
        return self.matches_entry(algorithm.id, algorithm.department, algorithm.content)

    def matches_entry(self, algorithm_id: int, department: str, content: dict) -> bool:
        if self.scope == SCOPE_ALL:
            return True
        if self.scope == SCOPE_ENTRY:
            return self.algorithm_id == algorithm_id
        if self.scope == SCOPE_DEPARTMENT:
            return department == self.value
        if self.scope == SCOPE_THEME:
            return self.value in (content.get("category") or [])
        return False


class SubscriptionError(ValueError):
    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


def _text(locale: str, msgid: str, **params) -> str:
    with force_locale(locale):
        return gettext(msgid, **params)


def scope_label(subscription: Subscription, locale: str | None = None) -> str:
    def say() -> str:
        if subscription.scope == SCOPE_ENTRY and subscription.algorithm is not None:
            return gettext("the algorithm '%(name)s'", name=subscription.algorithm.name)
        if subscription.scope == SCOPE_DEPARTMENT:
            return gettext("the department '%(name)s'", name=subscription.value)
        if subscription.scope == SCOPE_THEME:
            return gettext("the theme '%(name)s'", name=subscription.value)
        return gettext("the whole algorithm register")

    if locale is None:
        return say()
    with force_locale(locale):
        return say()


def clean_request(
    session: Session, email: str, scope: str, value: str, slug: str, frequency: str
) -> tuple[str, str, Algorithm | None, str, str]:
    """(address, scope, algorithm, value, frequency) or SubscriptionError."""
    problems: dict[str, str] = {}
    address = clean_email(email or "") or ""
    if not address:
        problems["email"] = N_("This is not a valid e-mail address.")
    algorithm = None
    value = (value or "").strip()[:200]
    if scope not in SCOPES:
        problems["scope"] = N_("Choose what you want to follow.")
    elif scope == SCOPE_ENTRY:
        algorithm = session.scalar(
            select(Algorithm).where(Algorithm.slug == (slug or ""), Algorithm.is_published)
        )
        if algorithm is None:
            problems["scope"] = N_("This algorithm is not in the register.")
        value = ""
    elif scope == SCOPE_DEPARTMENT:
        known = session.scalar(
            select(Algorithm.id).where(Algorithm.department == value, Algorithm.is_published)
        )
        if not value or known is None:
            problems["value"] = N_("Choose a department from the list.")
    elif scope == SCOPE_THEME:
        known = session.scalar(
            select(AlgorithmTheme.algorithm_id).where(AlgorithmTheme.theme == value).limit(1)
        )
        if not value or known is None:
            problems["value"] = N_("Choose a theme from the list.")
    else:
        value = ""
    if frequency not in FREQUENCIES:
        problems["frequency"] = N_("Choose how often you want to hear from us.")
    if problems:
        raise SubscriptionError(problems)
    return address, scope, algorithm, value, frequency


def subscribe(
    session: Session,
    email: str,
    scope: str,
    *,
    value: str = "",
    slug: str = "",
    frequency: str = IMMEDIATE,
    locale: str = "nl",
) -> Subscription | None:
    """Ask for a subscription: a confirmation mail goes out after commit. The same request
    again sends the same link again; an already confirmed one changes nothing (and says
    nothing: the page never tells who is subscribed). SubscriptionError on bad input."""
    address, scope, algorithm, value, frequency = clean_request(
        session, email, scope, value, slug, frequency
    )
    locale = locale if locale in ("nl", "en") else "nl"
    same_entry = (
        Subscription.algorithm_id == algorithm.id
        if algorithm is not None
        else Subscription.algorithm_id.is_(None)
    )
    existing = session.scalar(
        select(Subscription).where(
            Subscription.email == address,
            Subscription.scope == scope,
            Subscription.value == value,
            same_entry,
        )
    )
    if existing is not None and existing.confirmed_at is not None:
        return None
    subscription = existing or Subscription(
        email=address,
        scope=scope,
        algorithm=algorithm,
        value=value,
        confirm_token=secrets.token_urlsafe(32),
        unsubscribe_token=secrets.token_urlsafe(32),
    )
    subscription.frequency = frequency
    subscription.locale = locale
    session.add(subscription)
    session.flush()
    link = absolute_url("residents.confirm_subscription", token=subscription.confirm_token)
    mail.queue(
        session,
        [address],
        _text(locale, N_("Confirm your subscription to the algorithm register")),
        _text(
            locale,
            N_(
                "You asked to get an e-mail when %(scope)s changes. Open this link to "
                "confirm:\n\n%(link)s\n\nDid you not ask for this? Then do nothing. Without "
                "confirmation you get no mail from us and we delete your address within "
                "%(days)s days.\n"
            ),
            scope=scope_label(subscription, locale),
            link=link,
            days=current_app.config["SUBSCRIPTION_CONFIRM_DAYS"],
        ),
        private=True,
    )
    return subscription


def confirm(session: Session, token: str) -> Subscription | None:
    if not token:
        return None
    subscription = session.scalar(select(Subscription).where(Subscription.confirm_token == token))
    if subscription is None:
        return None
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        subscription.last_digest_at = subscription.confirmed_at
    return subscription


def by_unsubscribe_token(session: Session, token: str) -> Subscription | None:
    if not token:
        return None
    return session.scalar(select(Subscription).where(Subscription.unsubscribe_token == token))


def unsubscribe(session: Session, token: str) -> bool:
    subscription = by_unsubscribe_token(session, token)
    if subscription is None:
        return False
    session.delete(subscription)
    session.flush()
    return True


def purge_unconfirmed(session: Session, days: int, now: dt.datetime | None = None) -> int:
    limit = (now or utcnow()) - dt.timedelta(days=days)
    result = session.execute(
        delete(Subscription).where(
            Subscription.confirmed_at.is_(None), Subscription.created_at < limit
        )
    )
    return result.rowcount or 0


def _unsubscribe_headers(subscription: Subscription) -> tuple[str, dict[str, str]]:
    link = absolute_url("residents.unsubscribe", token=subscription.unsubscribe_token)
    return link, {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _confirmed(session: Session, frequency: str) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(
                Subscription.confirmed_at.is_not(None), Subscription.frequency == frequency
            )
        )
    )


def _previous_published(session: Session, version: AlgorithmVersion) -> AlgorithmVersion | None:
    return session.scalar(
        select(AlgorithmVersion)
        .where(
            AlgorithmVersion.algorithm_id == version.algorithm_id,
            AlgorithmVersion.state == VERSION_PUBLISHED,
            AlgorithmVersion.number < version.number,
        )
        .order_by(AlgorithmVersion.number.desc())
        .limit(1)
    )


def describe_version(session: Session, version: AlgorithmVersion, locale: str) -> str:
    """One publication in a notice: name, version, summary, the changed words, the link."""
    from register.labels import field_label

    algorithm = version.algorithm
    previous = _previous_published(session, version)
    link = absolute_url("register.version_changes", slug=algorithm.slug, number=version.number)
    with force_locale(locale):
        if previous is None:
            head = gettext("'%(name)s' is new in the register.", name=algorithm.name)
            diff = ""
        else:
            head = gettext(
                "'%(name)s' changed (version %(number)s).",
                name=algorithm.name,
                number=version.number,
            )
            diff = changes.plain_text_diff(changes.version_changes(version, previous), field_label)
    parts = [head]
    if version.summary:
        parts.append(version.summary)
    if diff:
        parts.append(diff)
    parts.append(link)
    return "\n".join(parts)


def _notice(session: Session, subscription: Subscription, versions: list[AlgorithmVersion]):
    link, headers = _unsubscribe_headers(subscription)
    locale = subscription.locale
    described = "\n\n".join(describe_version(session, v, locale) for v in versions)
    if len(versions) == 1:
        subject = _text(
            locale,
            N_("Change in the algorithm register: %(name)s"),
            name=versions[0].algorithm.name,
        )
    else:
        subject = _text(
            locale, N_("%(count)s changes in the algorithm register"), count=len(versions)
        )
    footer = _text(
        locale,
        N_(
            "You get this e-mail because you follow %(scope)s. Unsubscribe with one click: %(link)s"
        ),
        scope=scope_label(subscription, locale),
        link=link,
    )
    mail.queue(
        session,
        [subscription.email],
        subject,
        f"{described}\n\n-- \n{footer}\n",
        headers=headers,
        private=True,
    )


def notify_published(session: Session, algorithm: Algorithm, version: AlgorithmVersion) -> int:
    """Queue a notice to every confirmed immediate subscriber this publication concerns
    (sent only if the publication commits). Returns how many."""
    matching = [s for s in _confirmed(session, IMMEDIATE) if s.matches(algorithm)]
    for subscription in matching:
        _notice(session, subscription, [version])
    return len(matching)


def notify_published_many(session: Session, published: list[tuple[int, int, dict]]) -> int:
    """`notify_published` for many publications at once (the importer's batches): the
    subscribers are read once. `published`: (entry id, version number, published content),
    in publication order. Returns how many notices were queued."""
    subscribers = _confirmed(session, IMMEDIATE)
    if not subscribers or not published:
        return 0
    matching = [
        (subscription, (algorithm_id, number))
        for algorithm_id, number, content in published
        for subscription in subscribers
        if subscription.matches_entry(algorithm_id, content.get("department", ""), content)
    ]
    wanted = sorted({key for _subscription, key in matching})
    versions: dict[tuple[int, int], AlgorithmVersion] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        versions.update(
            ((version.algorithm_id, version.number), version)
            for version in session.scalars(
                select(AlgorithmVersion).where(
                    tuple_(AlgorithmVersion.algorithm_id, AlgorithmVersion.number).in_(chunk)
                )
            )
        )
    for subscription, key in matching:
        _notice(session, subscription, [versions[key]])
    return len(matching)


def _versions_since(session: Session, since: dt.datetime) -> list[AlgorithmVersion]:
    return list(
        session.scalars(
            select(AlgorithmVersion)
            .join(Algorithm)
            .where(
                AlgorithmVersion.state == VERSION_PUBLISHED,
                AlgorithmVersion.published_at > since,
                Algorithm.is_published.is_(True),
            )
            .order_by(AlgorithmVersion.published_at.asc(), AlgorithmVersion.id.asc())
        )
    )


def send_digests(session: Session, now: dt.datetime | None = None, *, force: bool = False) -> int:
    """Queue a digest for every weekly subscriber whose last one is a week old (or any,
    with `force`) and who has news since. Returns how many digests were queued."""
    now = now or utcnow()
    sent = 0
    for subscription in _confirmed(session, WEEKLY):
        since = subscription.last_digest_at or subscription.confirmed_at or now
        if not force and now - since < DIGEST_INTERVAL:
            continue
        versions = [v for v in _versions_since(session, since) if subscription.matches(v.algorithm)]
        subscription.last_digest_at = now
        if versions:
            _notice(session, subscription, versions)
            sent += 1
    session.flush()
    return sent


def choices(session: Session) -> tuple[list[str], list[str]]:
    """Departments and themes of published entries, for the form."""
    departments = session.scalars(
        select(Algorithm.department)
        .where(Algorithm.is_published.is_(True), Algorithm.department != "")
        .distinct()
        .order_by(Algorithm.department)
    ).all()
    themes = session.scalars(
        select(AlgorithmTheme.theme)
        .join(Algorithm, Algorithm.id == AlgorithmTheme.algorithm_id)
        .where(Algorithm.is_published.is_(True))
        .distinct()
        .order_by(AlgorithmTheme.theme)
    ).all()
    return list(departments), list(themes)
