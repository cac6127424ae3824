"""Delivering our entries to the national register, and what the national side looks like.

One run (`flask --app wsgi register sync-national`):

- reads the summaries of all our national algorithms once (one request), to see which ones
  changed there since we last looked;
- for each of our organisation's published entries in use: creates it nationally when it
  has no national id (`lars`) yet, updates it when what we would send differs from what we
  delivered last, and releases the new version to BZK (who inspect and publish it);
- for each retired or withdrawn entry: retracts its published national version. The
  standard does not require algorithms out of use to be listed ("Het is niet verplicht
  algoritmes in ontwikkeling of buiten gebruik te vermelden"), and retracting
  ("Verberg een algoritme, zodat deze niet meer publiek toegankelijk is") is the API's way
  to take one off the public site. Never-delivered retired entries are not created at all.
  (The API's archive_version needs the national version's own id, which no answer gives,
  so the run never archives.)
- pulls the national version of entries that changed there: when the newest national
  version differs from what we delivered, someone edited it in the national register. We
  do not overwrite such an edit: the entry is reported and the admin page says "national
  newer" until our own entry is brought in line (or `--overwrite` replaces it).

Each entry is committed on its own and one failing entry never stops the others. Pure
orchestration over a client (register/national/client.py) and the session: no Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from register.models import VERSION_PUBLISHED, Algorithm, AlgorithmVersion, NationalDelivery
from register.national import payloads
from register.national.client import NationalClient, NationalError
from register.national.spec import payload_problems


class State(StrEnum):
    """An entry's national state, as the admin page and the public API show it."""

    NOT_DELIVERED = "not_delivered"
    IN_SYNC = "in_sync"
    OURS_NEWER = "ours_newer"
    NATIONAL_NEWER = "national_newer"
    FAILED = "failed"
    RETRACTED = "retracted"


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    RELEASED = "released"
    RETRACTED = "retracted"
    UNCHANGED = "unchanged"
    NATIONAL_NEWER = "national newer"
    SKIPPED = "skipped"
    FAILED = "failed"
    WOULD_CREATE = "would create"
    WOULD_UPDATE = "would update"
    WOULD_RETRACT = "would retract"
    INVALID = "invalid"


FAILING_ACTIONS = frozenset({Action.FAILED, Action.INVALID})


@dataclass
class Outcome:
    slug: str
    action: Action
    detail: str = ""
    lars: str = ""
    payload: dict | None = None  # dry runs: the body that would be sent

    @property
    def failed(self) -> bool:
        return self.action in FAILING_ACTIONS

    def line(self) -> str:
        text = f"{self.slug}: {self.action}"
        if self.lars:
            text += f" ({self.lars})"
        return text + (f": {self.detail}" if self.detail else "")


@dataclass
class SyncReport:
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def lines(self) -> list[str]:
        lines = [o.line() for o in self.outcomes]
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
        summary = ", ".join(f"{count} {action}" for action, count in counts.items())
        lines.append(f"{len(self.outcomes)} entries" + (f": {summary}" if summary else ""))
        return lines


def candidates(session: Session, organization: str, slug: str | None = None) -> list[Algorithm]:
    """Our organisation's entries the run deals with: published ones, and earlier delivered
    or nationally known ones (to retract them). Other organisations' entries (imported from
    the national register) are never delivered by us."""
    delivered = select(NationalDelivery.algorithm_id)
    query = (
        select(Algorithm)
        .where(Algorithm.organization == organization)
        .where(
            or_(
                Algorithm.is_published.is_(True),
                Algorithm.lars != "",
                Algorithm.id.in_(delivered),
            )
        )
        .order_by(Algorithm.sort_name, Algorithm.id)
    )
    if slug is not None:
        query = query.where(Algorithm.slug == slug)
    return list(session.scalars(query))


def should_be_public(algorithm: Algorithm) -> bool:
    return algorithm.is_published and not algorithm.is_retired


def latest_published_version(session: Session, algorithm: Algorithm) -> AlgorithmVersion | None:
    return session.scalar(
        select(AlgorithmVersion)
        .where(
            AlgorithmVersion.algorithm_id == algorithm.id,
            AlgorithmVersion.state == VERSION_PUBLISHED,
        )
        .order_by(AlgorithmVersion.number.desc())
        .limit(1)
    )


def deliveries_by_algorithm(session: Session, ids: Iterable[int]) -> dict[int, NationalDelivery]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.scalars(select(NationalDelivery).where(NationalDelivery.algorithm_id.in_(ids)))
    return {row.algorithm_id: row for row in rows}


def state_of(algorithm: Algorithm, delivery: NationalDelivery | None, current_digest: str) -> State:
    """The national state of one entry. `current_digest` is payloads.digest of what we
    would send now."""
    if delivery is None or (delivery.delivered_at is None and delivery.retracted_at is None):
        return State.FAILED if delivery is not None and delivery.last_error else State.NOT_DELIVERED
    if delivery.last_error:
        return State.FAILED
    if delivery.national_edited:
        return State.NATIONAL_NEWER
    if not should_be_public(algorithm):
        return State.RETRACTED if delivery.retracted_at is not None else State.OURS_NEWER
    if delivery.retracted_at is not None or current_digest != delivery.delivered_digest:
        return State.OURS_NEWER
    if not delivery.released:
        return State.OURS_NEWER
    return State.IN_SYNC


@dataclass
class _Context:
    session: Session
    client: NationalClient | None
    register_url: Callable[[str], str]
    summaries: dict[str, dict]
    overwrite: bool
    now: Callable[[], dt.datetime]
    wrote: list[int] = field(default_factory=list)


def _delivery(session: Session, algorithm: Algorithm) -> NationalDelivery:
    row = session.get(NationalDelivery, algorithm.id)
    if row is None:
        row = NationalDelivery(algorithm_id=algorithm.id)
        session.add(row)
    return row


def _payload(ctx: _Context, algorithm: Algorithm) -> dict:
    return payloads.algorithm_in(algorithm.content, register_url=ctx.register_url(algorithm.slug))


def _look_at_national(ctx: _Context, algorithm: Algorithm, delivery: NationalDelivery) -> None:
    """Pull the national side when its summary changed since we last looked: is its newest
    version still what we delivered, and what is published there?"""
    summary = ctx.summaries.get(algorithm.lars)
    if summary is None:
        return
    version = str(summary.get("last_update_dt") or "")
    published = bool(summary.get("current_version_published"))
    if version == delivery.national_version and published == delivery.national_published:
        return
    latest = ctx.client.get(algorithm.lars)
    if delivery.delivered_digest:
        delivery.national_edited = payloads.digest(latest or {}) != delivery.delivered_digest
    if summary.get("published"):
        record = ctx.client.get_published(algorithm.lars)
        delivery.national_published_at = str((record or {}).get("publication_dt") or "")
    delivery.national_version = version
    delivery.national_published = published


def _deliver(ctx: _Context, algorithm: Algorithm) -> Outcome:
    payload = _payload(ctx, algorithm)
    problems = payload_problems(payload)
    if problems:
        return Outcome(algorithm.slug, Action.INVALID, "; ".join(problems), algorithm.lars)
    digest = payloads.digest(payload)
    delivery = _delivery(ctx.session, algorithm)
    session, client = ctx.session, ctx.client
    action = Action.UNCHANGED

    if algorithm.lars:
        if algorithm.lars not in ctx.summaries:
            raise NationalError(
                f"national id {algorithm.lars} is not among this organisation's algorithms"
            )
        _look_at_national(ctx, algorithm, delivery)
        if not delivery.delivered_digest and delivery.delivered_at is None:
            # Known nationally (imported) but never delivered by us: equal content needs
            # no new version.
            latest = client.get(algorithm.lars)
            if payloads.digest(latest or {}) == digest:
                delivery.delivered_digest = digest
        if delivery.national_edited and payloads.digest(client.get(algorithm.lars) or {}) == digest:
            # Our entry now says what was edited there: in line again, nothing to send.
            delivery.national_edited = False
            delivery.delivered_digest = digest
            delivery.released = True
        if delivery.national_edited and not ctx.overwrite:
            detail = "edited in the national register since our last delivery"
            action = Action.NATIONAL_NEWER
            if digest != delivery.delivered_digest:
                detail += (
                    "; ours changed too: bring the national edit into our entry, "
                    "or run with --overwrite to replace it"
                )
                action = Action.FAILED
                delivery.last_error = detail
                delivery.last_error_at = ctx.now()
            delivery.last_checked_at = ctx.now()
            return Outcome(algorithm.slug, action, detail, algorithm.lars)
        if (
            digest != delivery.delivered_digest
            or delivery.retracted_at is not None
            or delivery.national_edited
        ):
            client.update(algorithm.lars, payload)
            action = Action.UPDATED
            delivery.released = False
    else:
        lars = client.create(payload)
        algorithm.lars = lars
        action = Action.CREATED
        delivery.released = False
        delivery.delivered_digest = ""
        # Commit the national id at once: a failure further on must not create it twice.
        session.commit()

    summary = ctx.summaries.get(algorithm.lars, {})
    if action is not Action.UNCHANGED or not delivery.released:
        if action is Action.UNCHANGED and (
            summary.get("current_version_released") or summary.get("current_version_published")
        ):
            pass  # released before (our record of it was lost): nothing to hand over
        else:
            client.release(algorithm.lars)
            if action is Action.UNCHANGED:
                action = Action.RELEASED
            ctx.wrote.append(algorithm.id)
    version = latest_published_version(session, algorithm)
    if action is not Action.UNCHANGED or delivery.delivered_at is None:
        delivery.delivered_at = ctx.now()
    delivery.delivered_version_id = version.id if version else None
    delivery.delivered_digest = digest
    delivery.released = True
    delivery.retracted_at = None
    delivery.national_edited = False
    delivery.last_error = ""
    delivery.last_error_at = None
    delivery.last_checked_at = ctx.now()
    return Outcome(algorithm.slug, action, lars=algorithm.lars)


def _withdraw(ctx: _Context, algorithm: Algorithm) -> Outcome:
    delivery = ctx.session.get(NationalDelivery, algorithm.id)
    reason = "retired" if algorithm.is_published else "not published"
    if not algorithm.lars:
        return Outcome(algorithm.slug, Action.SKIPPED, f"{reason}, never delivered")
    summary = ctx.summaries.get(algorithm.lars)
    if summary is None:
        raise NationalError(
            f"national id {algorithm.lars} is not among this organisation's algorithms"
        )
    delivery = delivery or _delivery(ctx.session, algorithm)
    if delivery.retracted_at is not None and not summary.get("published"):
        return Outcome(algorithm.slug, Action.UNCHANGED, f"{reason}, retracted", algorithm.lars)
    if summary.get("published"):
        ctx.client.retract(algorithm.lars)
        ctx.wrote.append(algorithm.id)
        action = Action.RETRACTED
    else:
        action = Action.UNCHANGED
    delivery.retracted_at = delivery.retracted_at or ctx.now()
    delivery.national_published = False
    delivery.national_published_at = ""
    delivery.last_error = ""
    delivery.last_error_at = None
    delivery.last_checked_at = ctx.now()
    return Outcome(algorithm.slug, action, reason, algorithm.lars)


def _record_failure(session: Session, algorithm_id: int, message: str, now: dt.datetime) -> None:
    row = session.get(NationalDelivery, algorithm_id)
    if row is None:
        row = NationalDelivery(algorithm_id=algorithm_id)
        session.add(row)
    row.last_error = message[:2000]
    row.last_error_at = now
    row.last_checked_at = now


def dry_run(
    session: Session,
    *,
    organization: str,
    register_url: Callable[[str], str],
    slug: str | None = None,
) -> SyncReport:
    """What a run would send, from our own records only: no request is made. Each body is
    checked against the API's description and returned in the outcome."""
    report = SyncReport()
    algorithms = candidates(session, organization, slug)
    deliveries = deliveries_by_algorithm(session, [a.id for a in algorithms])
    for algorithm in algorithms:
        delivery = deliveries.get(algorithm.id)
        if not should_be_public(algorithm):
            reason = "retired" if algorithm.is_published else "not published"
            if not algorithm.lars:
                outcome = Outcome(algorithm.slug, Action.SKIPPED, f"{reason}, never delivered")
            elif delivery is None or delivery.retracted_at is None:
                outcome = Outcome(algorithm.slug, Action.WOULD_RETRACT, reason, algorithm.lars)
            else:
                outcome = Outcome(algorithm.slug, Action.UNCHANGED, f"{reason}, retracted")
            report.outcomes.append(outcome)
            continue
        payload = payloads.algorithm_in(
            algorithm.content, register_url=register_url(algorithm.slug)
        )
        problems = payload_problems(payload)
        if problems:
            action, detail = Action.INVALID, "; ".join(problems)
        elif not algorithm.lars:
            action, detail = Action.WOULD_CREATE, ""
        elif delivery is None or payloads.digest(payload) != delivery.delivered_digest:
            action, detail = Action.WOULD_UPDATE, ""
        else:
            action, detail = Action.UNCHANGED, ""
        report.outcomes.append(
            Outcome(algorithm.slug, action, detail, algorithm.lars, payload=payload)
        )
    return report


def run(
    session: Session,
    client: NationalClient,
    *,
    organization: str,
    register_url: Callable[[str], str],
    slug: str | None = None,
    overwrite: bool = False,
    on_progress: Callable[[Outcome], None] | None = None,
    now: Callable[[], dt.datetime] = utcnow,
) -> SyncReport:
    """Deliver every entry that changed since its last delivery (see the module docstring).

    Raises NationalError only when nothing can be done at all (no token, the list of our
    national algorithms cannot be read); a failure with one entry is in its outcome."""
    report = SyncReport()
    algorithms = candidates(session, organization, slug)
    ids = [(a.id, a.slug) for a in algorithms]
    summaries = {s["lars"]: s for s in client.list_algorithms() if isinstance(s, dict)}
    ctx = _Context(session, client, register_url, summaries, overwrite, now)
    for algorithm_id, algorithm_slug in ids:
        algorithm = session.get(Algorithm, algorithm_id)
        try:
            if should_be_public(algorithm):
                outcome = _deliver(ctx, algorithm)
            else:
                outcome = _withdraw(ctx, algorithm)
            session.commit()
        except NationalError as error:
            session.rollback()
            outcome = Outcome(algorithm_slug, Action.FAILED, str(error))
        except Exception as error:  # one entry's surprise must not stop the others
            session.rollback()
            outcome = Outcome(algorithm_slug, Action.FAILED, f"{type(error).__name__}: {error}")
        if outcome.failed:
            algorithm = session.get(Algorithm, algorithm_id)
            outcome.lars = algorithm.lars
            _record_failure(session, algorithm_id, outcome.detail, now())
            session.commit()
        report.outcomes.append(outcome)
        if on_progress is not None:
            on_progress(outcome)
    if ctx.wrote:
        _remember_national_versions(session, client, ctx.wrote, report)
    report.requests = client.requests_sent
    return report


def _remember_national_versions(
    session: Session, client: NationalClient, algorithm_ids: list[int], report: SyncReport
) -> None:
    """After our writes, note the national summaries (and when the published version was
    published), so the next run sees only what changed there afterwards (someone else's
    edit) and does not fetch our own back."""
    try:
        summaries = {s["lars"]: s for s in client.list_algorithms() if isinstance(s, dict)}
    except NationalError as error:
        report.outcomes.append(Outcome("(summaries)", Action.FAILED, str(error)))
        return
    for algorithm_id in algorithm_ids:
        algorithm = session.get(Algorithm, algorithm_id)
        delivery = session.get(NationalDelivery, algorithm_id)
        summary = summaries.get(algorithm.lars) if algorithm else None
        if delivery is None or summary is None:
            continue
        delivery.national_version = str(summary.get("last_update_dt") or "")
        delivery.national_published = bool(summary.get("current_version_published"))
        if summary.get("published"):
            try:
                record = client.get_published(algorithm.lars)
            except NationalError:
                continue  # the next run looks again
            delivery.national_published_at = str((record or {}).get("publication_dt") or "")
        elif delivery.retracted_at is not None:
            delivery.national_published_at = ""
    session.commit()
