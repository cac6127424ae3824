"""Read-only queries for the public side: search, filters, facets, pagination.

Only published entries are ever returned from here; drafts never reach the public side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, Text, func, select
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session, selectinload

from portal.input_guard import parse_int
from register import search
from register.models import VERSION_PUBLISHED, Algorithm, AlgorithmTheme, AlgorithmVersion
from register.standard import UTHIEK_ASSESSMENT_TITLE

SORTS = ("relevance", "name", "recent")
FACETS = ("status", "publication_category", "department", "theme", "risk_level")
RISK_LEVELS = ("1", "2", "3", "4")
MAX_PAGE = 100_000
MAX_FILTER_LENGTH = 200


@dataclass
class RegisterQuery:
    q: str = ""
    status: list[str] = field(default_factory=list)
    publication_category: list[str] = field(default_factory=list)
    department: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    risk_level: list[int] = field(default_factory=list)
    sort: str = ""
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_args(cls, args, *, default_per_page: int, max_per_page: int) -> RegisterQuery:
        """Parse request arguments leniently: nonsense becomes the default, never an error.

        Numbers count only in ASCII digits: int() also reads `٣` and `²`.isdigit() is true,
        and a page beyond MAX_PAGE would overflow the database's OFFSET.
        """

        def values(name: str, limit: int) -> list[str]:
            # A filter value longer than any facet value can match nothing.
            return [v for v in args.getlist(name) if v and len(v) <= MAX_FILTER_LENGTH][:limit]

        risk = [int(v) for v in dict.fromkeys(args.getlist("risk_level")) if v in RISK_LEVELS]
        sort = args.get("sort", "")
        return cls(
            q=(args.get("q") or "")[: search.MAX_QUERY_LENGTH].strip(),
            status=values("status", 10),
            publication_category=values("publication_category", 10),
            department=values("department", 20),
            theme=values("theme", 20),
            risk_level=risk,
            sort=sort if sort in SORTS else "",
            page=parse_int(args.get("page"), 1, 1, MAX_PAGE),
            per_page=parse_int(args.get("per_page"), default_per_page, 1, max_per_page),
        )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "name")

    def filter_values(self) -> dict[str, list]:
        return {facet: getattr(self, facet) for facet in FACETS}

    def to_args(self, **changes) -> dict:
        """URL arguments for this state with `changes` applied (the URL is the whole state)."""
        state = {
            "q": self.q,
            **self.filter_values(),
            "sort": self.sort,
            "page": self.page,
        }
        state.update(changes)
        args = {k: v for k, v in state.items() if v not in ("", [], None)}
        if args.get("page") == 1:
            del args["page"]
        return args


@dataclass
class SearchResult:
    items: list[Algorithm]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]]
    corrected_query: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filter_condition(facet: str, values: list):
    if facet == "theme":
        return Algorithm.id.in_(
            select(AlgorithmTheme.algorithm_id).where(AlgorithmTheme.theme.in_(values))
        )
    return getattr(Algorithm, facet).in_(values)


def _base(query: RegisterQuery, matches, skip_facet: str | None = None) -> Select:
    statement = select(Algorithm.id).where(Algorithm.is_published.is_(True))
    if matches is not None:
        statement = statement.where(Algorithm.id.in_(select(matches.c.algorithm_id)))
    for facet, values in query.filter_values().items():
        if values and facet != skip_facet:
            statement = statement.where(_filter_condition(facet, values))
    return statement


def _facet_counts(
    session: Session, query: RegisterQuery, matches
) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value, each computed with the other facets' filters applied."""
    facets = {}
    for facet in FACETS:
        ids = _base(query, matches, skip_facet=facet).subquery()
        if facet == "theme":
            column = AlgorithmTheme.theme
            statement = select(column, func.count()).where(
                AlgorithmTheme.algorithm_id.in_(select(ids.c.id))
            )
        else:
            column = getattr(Algorithm, facet)
            statement = select(column, func.count()).where(Algorithm.id.in_(select(ids.c.id)))
        rows = session.execute(statement.group_by(column).order_by(column)).all()
        facets[facet] = [(value, count) for value, count in rows if value not in (None, "")]
    return facets


def search_register(
    session: Session, query: RegisterQuery, *, with_facets: bool = True
) -> SearchResult:
    terms = search.parse_query(query.q)
    corrected = None
    matches = None
    if terms:
        corrections = search.correct_terms(session, terms)
        if corrections:
            terms = [corrections.get(t, t) for t in terms]
            corrected = " ".join(terms)
        matches = search.matching_documents(session, terms).subquery()

    ids = _base(query, matches).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0

    statement = select(Algorithm).where(Algorithm.id.in_(select(ids.c.id)))
    sort = (
        query.effective_sort
        if terms
        else ("name" if query.sort == "relevance" else query.effective_sort)
    )
    if sort == "relevance" and matches is not None:
        statement = statement.join(matches, matches.c.algorithm_id == Algorithm.id).order_by(
            matches.c.rank.desc(), Algorithm.sort_name
        )
    elif sort == "recent":
        statement = statement.order_by(Algorithm.published_at.desc(), Algorithm.id.desc())
    else:
        statement = statement.order_by(Algorithm.sort_name, Algorithm.id)
    statement = statement.options(selectinload(Algorithm.themes))
    statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    items = list(session.scalars(statement))
    facets = _facet_counts(session, query, matches) if with_facets else {}
    return SearchResult(items, total, query.page, query.per_page, facets, corrected)


def get_published(session: Session, slug: str) -> Algorithm | None:
    return session.scalar(
        select(Algorithm).where(Algorithm.slug == slug, Algorithm.is_published.is_(True))
    )


def published_history(session: Session, algorithm: Algorithm) -> list[AlgorithmVersion]:
    """Published versions, newest first."""
    return list(
        session.scalars(
            select(AlgorithmVersion)
            .where(
                AlgorithmVersion.algorithm_id == algorithm.id,
                AlgorithmVersion.state == VERSION_PUBLISHED,
            )
            .order_by(AlgorithmVersion.number.desc())
        )
    )


def latest_published_numbers(session: Session, algorithm_ids: list[int]) -> dict[int, int]:
    """The number of each entry's latest published version: the N of the site's
    `/algoritmes/<slug>/versies/N` (drafts take numbers too, so this is not a count)."""
    if not algorithm_ids:
        return {}
    rows = session.execute(
        select(AlgorithmVersion.algorithm_id, func.max(AlgorithmVersion.number))
        .where(
            AlgorithmVersion.algorithm_id.in_(algorithm_ids),
            AlgorithmVersion.state == VERSION_PUBLISHED,
        )
        .group_by(AlgorithmVersion.algorithm_id)
    )
    return {row[0]: row[1] for row in rows}


def all_published(session: Session) -> list[Algorithm]:
    return list(
        session.scalars(
            select(Algorithm).where(Algorithm.is_published.is_(True)).order_by(Algorithm.sort_name)
        )
    )


def recent_versions(session: Session, limit: int = 50) -> list[AlgorithmVersion]:
    return list(
        session.scalars(
            select(AlgorithmVersion)
            .join(Algorithm)
            .where(AlgorithmVersion.state == VERSION_PUBLISHED, Algorithm.is_published.is_(True))
            .options(selectinload(AlgorithmVersion.algorithm))
            .order_by(AlgorithmVersion.published_at.desc(), AlgorithmVersion.id.desc())
            .limit(limit)
        )
    )


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Algorithm.status, func.count())
        .where(Algorithm.is_published.is_(True))
        .group_by(Algorithm.status)
    ).all()
    result = dict(rows)
    result["total"] = sum(result.values())
    return result


def assessment_counts(session: Session) -> dict[str, int]:
    """How many published entries a record backs, how many only name an earlier Uthiek
    assessment (from before the register, no record), and how many were not assessed."""
    published = Algorithm.is_published.is_(True)
    with_record = session.scalar(
        select(func.count()).where(published, Algorithm.record_id.is_not(None))
    )
    # The title is ours (written at publication and in the city's own earlier entries).
    claim = sa_cast(Algorithm.content, Text).like(f'%"{UTHIEK_ASSESSMENT_TITLE}"%')
    claimed_only = session.scalar(
        select(func.count()).where(published, Algorithm.record_id.is_(None), claim)
    )
    total = session.scalar(select(func.count()).where(published))
    return {
        "with_record": with_record or 0,
        "earlier_without_record": claimed_only or 0,
        "not_assessed": (total or 0) - (with_record or 0) - (claimed_only or 0),
    }


def versions_of(
    session: Session,
    *,
    algorithm_id: int | None = None,
    department: str | None = None,
    theme: str | None = None,
    limit: int = 50,
) -> list[AlgorithmVersion]:
    """Recent published versions of one entry, one department or one theme (the feeds)."""
    query = (
        select(AlgorithmVersion)
        .join(Algorithm)
        .where(AlgorithmVersion.state == VERSION_PUBLISHED, Algorithm.is_published.is_(True))
    )
    if algorithm_id is not None:
        query = query.where(Algorithm.id == algorithm_id)
    if department is not None:
        query = query.where(Algorithm.department == department)
    if theme is not None:
        themed = select(AlgorithmTheme.algorithm_id).where(AlgorithmTheme.theme == theme)
        query = query.where(Algorithm.id.in_(themed))
    return list(
        session.scalars(
            query.options(selectinload(AlgorithmVersion.algorithm))
            .order_by(AlgorithmVersion.published_at.desc(), AlgorithmVersion.id.desc())
            .limit(limit)
        )
    )
