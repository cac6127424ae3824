"""Checking the links in published entries: which addresses still answer.

Bounded concurrency and timeouts; HEAD first, then GET for servers that refuse HEAD. Each
run replaces the stored result per entry, so the admin page shows the latest state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from register.standard import FIELDS, is_web_address

URL_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == "url")
GROUP_FIELDS = tuple(
    spec.name
    for spec in FIELDS
    if spec.kind == "group" and any(sub.name == "link" for sub in spec.group_fields)
)
USER_AGENT = "Algoritmeregister-Utrecht-linkcheck/1.0"


@dataclass(frozen=True)
class Link:
    field: str
    url: str


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status: int | None
    error: str
    checked_at: dt.datetime


def links_of(content: dict) -> list[Link]:
    """Every web address in an entry, with the field it sits in (no duplicates per field)."""
    found: list[Link] = []
    for name in (*URL_FIELDS, "contact_email"):
        value = content.get(name)
        if isinstance(value, str) and is_web_address(value):
            found.append(Link(name, value))
    for name in GROUP_FIELDS:
        for item in content.get(name) or []:
            link = item.get("link") if isinstance(item, dict) else None
            if isinstance(link, str) and is_web_address(link):
                found.append(Link(name, link))
    unique = {(link.field, link.url): link for link in found}
    return list(unique.values())


def check_url(client: httpx.Client, url: str) -> LinkResult:
    now = dt.datetime.now(dt.UTC)
    try:
        response = client.head(url)
        if response.status_code in (403, 405, 501) or response.status_code >= 500:
            response = client.get(url)  # some servers refuse or mishandle HEAD
    except httpx.TimeoutException:
        return LinkResult(url, False, None, "timeout", now)
    except httpx.HTTPError as error:
        return LinkResult(url, False, None, type(error).__name__, now)
    return LinkResult(url, response.status_code < 400, response.status_code, "", now)


def check_urls(
    urls: Iterable[str],
    *,
    concurrency: int = 8,
    timeout: float = 10.0,
    progress: Callable[[LinkResult], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, LinkResult]:
    """Check each distinct address once, at most `concurrency` at a time."""
    distinct = list(dict.fromkeys(urls))
    client = httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    )
    results: dict[str, LinkResult] = {}
    with client, ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for result in pool.map(lambda url: check_url(client, url), distinct):
            results[result.url] = result
            if progress:
                progress(result)
    return results
