"""Running the link check over published entries and keeping its result (no commit here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from register.models import Algorithm
from register.quality.links import LinkResult, check_urls, links_of
from register.quality.models import LinkCheck


@dataclass(frozen=True)
class LinkReport:
    entries: int
    links: int
    broken: list[tuple[str, str, str, LinkResult]]  # (slug, field, url, result)


def published_entries(session: Session, slug: str | None = None) -> list[Algorithm]:
    query = select(Algorithm).where(Algorithm.is_published.is_(True)).order_by(Algorithm.slug)
    if slug:
        query = query.where(Algorithm.slug == slug)
    return list(session.scalars(query))


def run_link_check(
    session: Session,
    entries: list[Algorithm],
    *,
    concurrency: int,
    timeout: float,
    progress: Callable[[LinkResult], None] | None = None,
    transport=None,
) -> LinkReport:
    """Check every link of these entries and replace their stored results."""
    per_entry = {entry.id: links_of(entry.content or {}) for entry in entries}
    urls = [link.url for links in per_entry.values() for link in links]
    results = check_urls(
        urls, concurrency=concurrency, timeout=timeout, progress=progress, transport=transport
    )
    session.execute(delete(LinkCheck).where(LinkCheck.algorithm_id.in_(list(per_entry))))
    broken = []
    for entry in entries:
        for link in per_entry[entry.id]:
            result = results[link.url]
            session.add(
                LinkCheck(
                    algorithm_id=entry.id,
                    field=link.field,
                    url=link.url[:500],
                    ok=result.ok,
                    status=result.status,
                    error=result.error[:200],
                    checked_at=result.checked_at,
                )
            )
            if not result.ok:
                broken.append((entry.slug, link.field, link.url, result))
    return LinkReport(entries=len(entries), links=len(urls), broken=broken)


def broken_links(session: Session) -> list[tuple[Algorithm, LinkCheck]]:
    rows = session.execute(
        select(Algorithm, LinkCheck)
        .join(LinkCheck, LinkCheck.algorithm_id == Algorithm.id)
        .where(LinkCheck.ok.is_(False), Algorithm.is_published.is_(True))
        .order_by(Algorithm.name, LinkCheck.field)
    ).all()
    return [(algorithm, check) for algorithm, check in rows]


def register_completeness(session: Session) -> int | None:
    """The average completeness of published entries, in percent (None when empty)."""
    value = session.scalar(
        select(func.avg(Algorithm.completeness)).where(
            Algorithm.is_published.is_(True), Algorithm.completeness.is_not(None)
        )
    )
    return None if value is None else round(float(value))
