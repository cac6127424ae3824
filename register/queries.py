"""Read-only queries for the public side: search, filters, facets, pagination.

Only published entries are ever returned from here; drafts never reach the public side.
"""

from __future__ import annotations

import heapq
import itertools
import json
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from flask import current_app
from sqlalchemy import ARRAY, Integer, Select, Text, bindparam, func, literal_column, select, text
from sqlalchemy import cast as sa_cast
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, defer, selectinload, with_expression

from portal.extensions import db
from portal.input_guard import parse_int
from register import search
from register.models import (
    VERSION_PUBLISHED,
    Algorithm,
    AlgorithmTheme,
    AlgorithmVersion,
)
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
    # (value, count) per facet; count None where the search matched too many entries to
    # count them (the values are still offered as filters).
    facets: dict[str, list[tuple[str, int | None]]]
    corrected_query: str | None = None
    # False when counting stopped early: there are more than `total` matches.
    total_is_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def page_numbers(self) -> list[int]:
        """The page links to show: the first, the last and two either side of this one."""
        near = range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)
        return sorted({1, self.pages, *near})


# A search that matches more entries than this says "more than 10,000" instead of counting
# every match (and its facets show no counts); filtered lists count exactly, from memory.
COUNT_LIMIT = 10_000
# Up to this many matches are ranked on the whole text; beyond it on the name only.
FULL_RANK_LIMIT = 1_000

# The register's generation (see portal/page_cache.py), with the time of its version so that
# a wiped and refilled database that reuses version ids does not look unchanged.
_GENERATION = text(
    "SELECT id, created_at FROM algorithm_versions WHERE state = 'published' "
    "ORDER BY id DESC LIMIT 1"
)


@dataclass(frozen=True)
class FacetCube:
    """Every published entry's facet values, counted per combination (a few hundred
    combinations for a register of 100,000 entries), and the entries in name and in date
    order: built once per register generation, it answers list pages without a search
    (counts, facets and the page's ids) without reading the table.

    `combos[i]` is (status, publication_category, department, themes, risk_level);
    `combo_of[entry id]` is i (-1 for ids that are not published entries)."""

    combos: list[tuple]
    counts: list[int]
    combo_of: array
    by_name: array
    by_date: array
    # Entry id -> position in by_name / by_date, and the normalised names in by_name order.
    name_position: array
    date_position: array
    names: list[str]
    # The distinct words of the names, and for the i-th of them (alphabetically) the by_name
    # positions of the names holding it: postings[posting_starts[i]:posting_starts[i + 1]].
    # A term is found by scanning the words (a fifth of the names' text), not every name.
    name_words: search.Vocabulary = field(default_factory=lambda: search.Vocabulary(()))
    postings: array = field(default_factory=lambda: array("i"))
    posting_starts: array = field(default_factory=lambda: array("i", [0]))

    def combo(self, entry_id: int) -> int:
        return self.combo_of[entry_id] if entry_id < len(self.combo_of) else -1

    def counter_for(self, ids: Iterable[int]) -> dict[int, int]:
        """How many of `ids` fall in each combination (ids of no published entry left out)."""
        ids = ids if isinstance(ids, list) else list(ids)
        try:  # counted in C: up to 10,000 ids per search
            counted = Counter(map(self.combo_of.__getitem__, ids))
        except IndexError:  # an entry published after this cube was built
            counted = Counter(map(self.combo, ids))
        counted.pop(-1, None)
        return counted

    def page(self, query: RegisterQuery, offset: int, limit: int) -> list[int]:
        """Ids of one list page (no search) in the query's order."""
        order = self.by_date if query.effective_sort == "recent" else self.by_name
        if not any(query.filter_values().values()):
            return list(order[offset : offset + limit])
        wanted = [_combo_matches(combo, query) for combo in self.combos]
        combo_of = self.combo_of
        found: list[int] = []
        skipped = 0
        for entry_id in order:
            if wanted[combo_of[entry_id]]:
                if skipped < offset:
                    skipped += 1
                    continue
                found.append(entry_id)
                if len(found) == limit:
                    break
        return found

    def ordered(self, ids: list[int], sort: str) -> list[int]:
        position = self.date_position if sort == "recent" else self.name_position
        size = len(position)
        return sorted(ids, key=lambda i: position[i] if i < size else size)

    def name_of(self, entry_id: int) -> str:
        if entry_id >= len(self.name_position) or self.name_position[entry_id] < 0:
            return ""
        return self.names[self.name_position[entry_id]]

    def names_containing(self, forms: list[str]) -> Iterator[int]:
        """Positions in by_name of the names that contain one of `forms` (no spaces), in
        ascending order, each once. Lazy, so a caller that needs one page stops early."""
        postings, starts = self.postings, self.posting_starts
        lists = [postings[starts[w] : starts[w + 1]] for w in self.name_words.positions(forms)]
        if len(lists) == 1:
            return iter(lists[0])
        return (p for p, _ in itertools.groupby(heapq.merge(*lists)))


_FACET_POSITION = {facet: position for position, facet in enumerate(FACETS)}


def _combo_matches(combo: tuple, query: RegisterQuery, skip_facet: str | None = None) -> bool:
    for facet, values in query.filter_values().items():
        if not values or facet == skip_facet:
            continue
        value = combo[_FACET_POSITION[facet]]
        if facet == "theme":
            if not any(theme in values for theme in value):
                return False
        elif value not in values:
            return False
    return True


def build_cube(session: Session) -> FacetCube:
    """Read every published entry's facet values once (two queries)."""
    themes: dict[int, list[str]] = {}
    for algorithm_id, theme in session.execute(
        select(AlgorithmTheme.algorithm_id, AlgorithmTheme.theme)
        .join(Algorithm, Algorithm.id == AlgorithmTheme.algorithm_id)
        .where(Algorithm.is_published.is_(True))
    ):
        themes.setdefault(algorithm_id, []).append(theme)
    rows = session.execute(
        select(
            Algorithm.id,
            Algorithm.status,
            Algorithm.publication_category,
            Algorithm.department,
            Algorithm.risk_level,
        ).where(Algorithm.is_published.is_(True))
    ).all()
    index_of: dict[tuple, int] = {}
    combos: list[tuple] = []
    counts: list[int] = []
    size = max((row[0] for row in rows), default=0) + 1
    combo_of = array("i", [-1]) * size
    for algorithm_id, status, category, department, risk_level in rows:
        combo = (
            status,
            category,
            department,
            tuple(sorted(themes.get(algorithm_id, ()))),
            risk_level,
        )
        index = index_of.get(combo)
        if index is None:
            index = index_of[combo] = len(combos)
            combos.append(combo)
            counts.append(0)
        counts[index] += 1
        combo_of[algorithm_id] = index
    published = Algorithm.is_published.is_(True)
    by_name, names = array("i"), []
    for algorithm_id, sort_name in session.execute(
        select(Algorithm.id, Algorithm.sort_name)
        .where(published)
        .order_by(Algorithm.sort_name, Algorithm.id)
    ):
        by_name.append(algorithm_id)
        names.append(sort_name)
    by_date = array(
        "i",
        session.scalars(
            select(Algorithm.id)
            .where(published)
            .order_by(Algorithm.published_at.desc(), Algorithm.id.desc())
        ),
    )
    name_position, date_position = array("i", [-1]) * size, array("i", [-1]) * size
    for position, algorithm_id in enumerate(by_name):
        name_position[algorithm_id] = position
    for position, algorithm_id in enumerate(by_date):
        date_position[algorithm_id] = position
    name_words, postings, posting_starts = _name_word_index(names)
    return FacetCube(
        combos,
        counts,
        combo_of,
        by_name,
        by_date,
        name_position,
        date_position,
        names,
        name_words,
        postings,
        posting_starts,
    )


def _name_word_index(names: list[str]) -> tuple[search.Vocabulary, array, array]:
    """The names' words and, per word, the positions of the names that hold it (ascending).
    Names are normalised (words of [a-z0-9] and single spaces) and a search form is one such
    run, so a form is in a name exactly when it is in one of the name's words."""
    holders: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        for word in set(name.split()):
            if len(word) >= search.MIN_TERM_LENGTH:
                holders.setdefault(word, []).append(position)
    words = search.Vocabulary(holders)
    postings, starts = array("i"), array("i", [0])
    for word in sorted(holders):
        postings.extend(holders[word])
        starts.append(len(postings))
    return words, postings, starts


def _per_generation(session: Session) -> tuple[FacetCube, search.Vocabulary]:
    """The cube and the search vocabulary of the register's current generation, built on
    the first request after a publication (per process); a publication adds its new words
    in the same transaction as its published version."""
    generation = tuple(session.execute(_GENERATION).first() or ())
    holder = current_app.extensions.setdefault("register_facet_cube", {})
    cached = holder.get("cube")
    if cached is not None and cached[0] == generation:
        return cached[1]
    built = (build_cube(session), search.load_vocabulary(session))
    holder["cube"] = (generation, built)
    return built


def warm_up(app) -> None:
    """Build this process's cube and vocabulary now, not on the first reader's request."""
    with app.app_context():
        try:
            _per_generation(db.session)
        except SQLAlchemyError as error:  # not migrated or not reachable yet
            current_app.logger.warning("register not warmed up: %s", error.__class__.__name__)
        finally:
            db.session.remove()


def _facets_from(
    cube: FacetCube, counted: dict[int, int], query: RegisterQuery
) -> tuple[int, dict[str, list[tuple[str, int | None]]]]:
    """(entries matching every filter, counts per facet value with the other filters)."""
    total = sum(n for i, n in counted.items() if _combo_matches(cube.combos[i], query))
    facets = {}
    for facet in FACETS:
        position = _FACET_POSITION[facet]
        values: dict = {}
        for index, count in counted.items():
            combo = cube.combos[index]
            if not _combo_matches(combo, query, skip_facet=facet):
                continue
            for value in combo[position] if facet == "theme" else (combo[position],):
                if value not in (None, ""):
                    values[value] = values.get(value, 0) + count
        facets[facet] = sorted(values.items())
    return total, facets


def _uncounted_facets(cube: FacetCube) -> dict[str, list[tuple[str, int | None]]]:
    facets = {}
    for facet in FACETS:
        position = _FACET_POSITION[facet]
        values = set()
        for combo in cube.combos:
            values.update(combo[position] if facet == "theme" else (combo[position],))
        facets[facet] = [(value, None) for value in sorted(values - {None, ""})]
    return facets


def _filter_condition(facet: str, values: list):
    if facet == "theme":
        return Algorithm.id.in_(
            select(AlgorithmTheme.algorithm_id).where(AlgorithmTheme.theme.in_(values))
        )
    return getattr(Algorithm, facet).in_(values)


def _filtered(statement: Select, query: RegisterQuery) -> Select:
    for facet, values in query.filter_values().items():
        if values:
            statement = statement.where(_filter_condition(facet, values))
    return statement


def _id_in(session: Session, column, ids: list[int]):
    """`column IN ids` for up to COUNT_LIMIT ids as one bound value, not one per id."""
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam("match_ids", ids, type_=ARRAY(Integer)))
    return column.in_(
        select(literal_column("value")).select_from(
            func.json_each(bindparam("match_ids", json.dumps(ids)))
        )
    )


def _order(statement: Select, sort: str) -> Select:
    if sort == "recent":
        return statement.order_by(Algorithm.published_at.desc(), Algorithm.id.desc())
    return statement.order_by(Algorithm.sort_name, Algorithm.id)


def _page_ids(
    session: Session, cube: FacetCube, query: RegisterQuery, terms: list[str], ids: list[int]
) -> list[int]:
    """The ids of the requested page among the matching `ids`, in the requested order."""
    offset = (query.page - 1) * query.per_page
    if offset >= len(ids):
        return []
    if query.effective_sort != "relevance":
        return cube.ordered(ids, query.effective_sort)[offset : offset + query.per_page]
    if len(ids) <= FULL_RANK_LIMIT:
        ranked = search.ranked_documents(session, terms).subquery()
        statement = (
            select(ranked.c.algorithm_id)
            .join(Algorithm, Algorithm.id == ranked.c.algorithm_id)
            .where(_id_in(session, ranked.c.algorithm_id, ids))
            .order_by(ranked.c.rank.desc(), Algorithm.sort_name, Algorithm.id)
        )
        with search.index_scans(session):
            return list(session.scalars(statement.limit(query.per_page).offset(offset)))
    # Many matches: name matches first (more matching terms first), then by name; the names
    # are the cube's (the normalised name the index holds too).
    return _name_ranked_page(cube, terms, ids, offset, query.per_page)


def _name_ranked_page(
    cube: FacetCube, terms: list[str], ids: list[int], offset: int, limit: int
) -> list[int]:
    """One page of `ids`: entries whose name holds more of the terms first, then by name.
    Names are scanned in name order, so one term stops at the end of the page; the rest
    are read in name order up to the page."""
    wanted = set(ids)
    by_name = cube.by_name
    end = offset + limit
    scores: dict[int, int] = {}
    for term in terms:
        for position in cube.names_containing(search.term_variants(term)):
            if by_name[position] in wanted:
                scores[position] = scores.get(position, 0) + 1
                if len(terms) == 1 and len(scores) == end:
                    break
    page = [by_name[p] for p in sorted(scores, key=lambda p: (-scores[p], p))[:end]]
    if len(page) < end:
        for position, entry_id in enumerate(by_name):
            if entry_id in wanted and position not in scores:
                page.append(entry_id)
                if len(page) == end:
                    break
    return page[offset:end]


def _load(session: Session, ids: list[int], *, cards: bool = False) -> list[Algorithm]:
    """The entries of `ids`, in that order. With `cards`, what a list page shows: the entry
    columns and the short description, not the whole content (kilobytes per entry), which
    raises if a template touches it."""
    if not ids:
        return []
    statement = select(Algorithm).where(Algorithm.id.in_(ids))
    if cards:
        statement = statement.options(
            defer(Algorithm.content, raiseload=True),
            with_expression(
                Algorithm.card_description, Algorithm.content["description_short"].as_string()
            ),
        )
    found = {a.id: a for a in session.scalars(statement)}
    return [found[i] for i in ids if i in found]


def search_register(
    session: Session, query: RegisterQuery, *, with_facets: bool = True, cards: bool = False
) -> SearchResult:
    """One page of the register for `query`: its entries (whole, or with `cards` only what
    a list shows), the total and the facet counts."""
    terms = search.parse_query(query.q)
    corrected = None
    cube, vocabulary = _per_generation(session)
    if terms:
        corrections = search.correct_terms(session, terms, vocabulary)
        if corrections:
            terms = [corrections.get(t, t) for t in terms]
            corrected = " ".join(terms)
    if not terms and query.sort == "relevance":
        query = replace(query, sort="name")
    if not terms:
        # No search: counts and facets from the cube, the page through the sort indexes.
        total, facets = _facets_from(cube, dict(enumerate(cube.counts)), query)
        ids = cube.page(query, (query.page - 1) * query.per_page, query.per_page)
        items = _load(session, ids, cards=cards)
        return SearchResult(
            items, total, query.page, query.per_page, facets if with_facets else {}, corrected
        )
    # A page beyond the count limit is still answered: count as far as it reaches.
    limit = max(COUNT_LIMIT, query.page * query.per_page)
    filtered = any(query.filter_values().values())
    matched = search.matching_ids(
        session, terms, limit=None if filtered else limit + 1, vocabulary=vocabulary
    )
    counted = cube.counter_for(matched)
    if filtered:
        # -1 (no published entry) picks the last slot, always False.
        wanted = [_combo_matches(combo, query) for combo in cube.combos] + [False]
        combo_of, size = cube.combo_of, len(cube.combo_of)
        matched = [i for i in matched if i < size and wanted[combo_of[i]]]
    exact = len(matched) <= limit
    matched = matched[:limit]
    if exact:
        total, facets = _facets_from(cube, counted, query)
    else:
        total, facets = len(matched), _uncounted_facets(cube)
    items = _load(session, _page_ids(session, cube, query, terms, matched), cards=cards)
    return SearchResult(
        items,
        total,
        query.page,
        query.per_page,
        facets if with_facets else {},
        corrected,
        total_is_exact=exact,
    )


def get_published(session: Session, slug: str) -> Algorithm | None:
    return session.scalar(
        select(Algorithm).where(Algorithm.slug == slug, Algorithm.is_published.is_(True))
    )


def published_history(
    session: Session, algorithm: Algorithm, *, with_content: bool = True
) -> list[AlgorithmVersion]:
    """Published versions, newest first; without `with_content` their stored content (the
    whole entry, kilobytes per version) is not read, and touching it raises."""
    statement = (
        select(AlgorithmVersion)
        .where(
            AlgorithmVersion.algorithm_id == algorithm.id,
            AlgorithmVersion.state == VERSION_PUBLISHED,
        )
        .order_by(AlgorithmVersion.number.desc())
    )
    if not with_content:
        statement = statement.options(defer(AlgorithmVersion.content, raiseload=True))
    return list(session.scalars(statement))


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
