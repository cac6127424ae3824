"""A cache of public pages and public API answers that can never serve stale content.

Every key holds the register's *generation*: the id of the latest published version. Each
publication (new entry, change, approval with its record, retirement) adds a published
version in the same transaction as everything it changes, so the first request after a
publication has a new key and renders fresh. Only anonymous GETs of the public register
and API are cached, per language; entries also expire after CACHE_DEFAULT_TIMEOUT seconds
(dates such as "overdue" move with the clock). Storage is Flask-Caching's: in memory per
worker by default, Redis when CACHE_TYPE says so.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, g, request, session
from flask_babel import get_locale
from sqlalchemy import ColumnElement, Select, func, select, text

from portal.extensions import cache, db

CACHED_BLUEPRINTS = frozenset({"register"})
CACHED_API_ENDPOINTS = frozenset({"api.list_algorithms", "api.get_algorithm", "api.openapi"})
# Hop-by-hop or per-response headers that must not be replayed from the cache.
SKIPPED_HEADERS = frozenset({"set-cookie", "content-length", "date"})


# What public pages show changes with a publication (a new published version), and with
# what each package registers here (a suspension, an incident, a verdict, a rebuild of the
# similar lists): a scalar SQL expression, so the whole generation is one query on every
# cached request, where it is the cache's main cost.
_BASE_GENERATION = (
    select(func.max(text("id")))
    .select_from(text("algorithm_versions"))
    .where(text("state = 'published'"))
    .scalar_subquery()
)
_EXTRA_GENERATIONS: list[ColumnElement] = []
_generation_query: Select | None = None


def add_generation(stamp: ColumnElement) -> None:
    """Add a scalar expression (e.g. `select(func.max(Model.updated_at)).scalar_subquery()`)
    whose value moves whenever public pages must render again."""
    global _generation_query
    if not any(stamp is known for known in _EXTRA_GENERATIONS):
        _EXTRA_GENERATIONS.append(stamp)
        _generation_query = None


def generation() -> str:
    global _generation_query
    if _generation_query is None:
        _generation_query = select(_BASE_GENERATION, *_EXTRA_GENERATIONS)
    row = db.session.execute(_generation_query).one()
    return ":".join("" if value is None else str(value) for value in row)


def _cacheable() -> bool:
    if request.method not in ("GET", "HEAD") or request.authorization is not None:
        return False
    if session.get("_user_id") or session.get("_flashes"):
        return False  # signed-in pages show the user; flashed messages are one-off
    endpoint = request.endpoint or ""
    return request.blueprint in CACHED_BLUEPRINTS or endpoint in CACHED_API_ENDPOINTS


# Endpoints whose page depends only on a parsed form of the query string register a function
# returning that form: extra, reordered or repeated parameters then share one cache entry
# instead of each rendering the page again (the page must not show the raw query string).
_CANONICAL_QUERIES: dict[str, Callable[[], str]] = {}


def canonical_query(endpoint: str, make: Callable[[], str]) -> None:
    _CANONICAL_QUERIES[endpoint] = make


def _key() -> str:
    canonical = _CANONICAL_QUERIES.get(request.endpoint or "")
    where = f"{request.path}?{canonical()}" if canonical else request.full_path
    return f"page:{generation()}:{get_locale()}:{where}"


def _serve_from_cache():
    if not _cacheable():
        return None
    key = _key()
    hit = cache.get(key)
    if hit is None:
        g.page_cache_key = key
        return None
    body, status, headers = hit
    response = Response(body, status=status, headers=headers)
    response.headers["X-Cache"] = "hit"
    return response.make_conditional(request)


def _store(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if (
        key is None
        or response.status_code != 200
        or response.direct_passthrough
        or response.headers.get("Set-Cookie")
        or "no-store" in (response.headers.get("Cache-Control") or "")
    ):
        return response
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
    cache.set(key, (response.get_data(), response.status_code, headers))
    response.headers["X-Cache"] = "miss"
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 60)
    app.config.setdefault("CACHE_THRESHOLD", 2000)
    cache.init_app(app)
    app.before_request(_serve_from_cache)
    app.after_request(_store)
