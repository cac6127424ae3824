"""/vergelijk: the home organisation's entries beside those of other organisations.

Filters (GET, all optional): `doel` (words in the purpose, name or short description),
`leverancier` (provider) and `categorie` (a theme of the standard). The home organisation
has a few hundred entries at most, so its side is filtered in Python; the other side is
read through the indexes of `entry_profiles` (register/similar.py), never by reading every
entry: similar entries per home entry, and per provider how many entries and organisations
elsewhere name it. The theme counts group the whole register once per register generation
(cached).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import page_cache
from portal.extensions import cache
from register import similar
from register.models import Algorithm, AlgorithmTheme
from register.similar import EntryProfile, SimilarEntry
from register.standard import CATEGORIES, html_to_text

MAX_TEXT = 100
PURPOSE_PREVIEW = 240


@dataclass(frozen=True)
class CompareQuery:
    purpose: str = ""
    provider: str = ""
    category: str = ""

    @classmethod
    def from_args(cls, args) -> CompareQuery:
        """Lenient: too long text is cut, an unknown category is ignored."""
        category = args.get("categorie", "")
        return cls(
            purpose=" ".join((args.get("doel") or "").split())[:MAX_TEXT],
            provider=" ".join((args.get("leverancier") or "").split())[:MAX_TEXT],
            category=category if category in CATEGORIES else "",
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.purpose or self.provider or self.category)

    def to_args(self) -> dict[str, str]:
        args = {"doel": self.purpose, "leverancier": self.provider, "categorie": self.category}
        return {k: v for k, v in args.items() if v}


@dataclass(frozen=True)
class ProviderElsewhere:
    entries: int
    organizations: int


@dataclass(frozen=True)
class CompareRow:
    algorithm: Algorithm
    purpose: str
    provider: str
    categories: list[str]
    similar: list[SimilarEntry]
    provider_elsewhere: ProviderElsewhere | None


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    home: int
    elsewhere: int
    organizations: int


@dataclass
class CompareResult:
    rows: list[CompareRow] = field(default_factory=list)
    home_total: int = 0
    themes: list[ThemeCount] = field(default_factory=list)
    computed_at: object = None


def _purpose(content: dict) -> str:
    text_ = html_to_text(content.get("goal") or "") or content.get("description_short", "")
    if len(text_) > PURPOSE_PREVIEW:
        text_ = text_[: PURPOSE_PREVIEW - 1].rsplit(" ", 1)[0] + "…"
    return text_


def _matches(algorithm: Algorithm, query: CompareQuery) -> bool:
    content = algorithm.content or {}
    if query.category and query.category not in (content.get("category") or []):
        return False
    if query.provider and similar.provider_key(query.provider) not in similar.provider_key(
        content.get("provider")
    ):
        return False
    if query.purpose:
        words = similar.fold(
            " ".join(
                (algorithm.name, content.get("description_short", ""), content.get("goal", ""))
            )
        )
        if not all(word in words for word in similar.fold(query.purpose).split()):
            return False
    return True


def home_entries(session: Session, home: str) -> list[Algorithm]:
    """The home organisation's published entries, by the profiles' organisation index."""
    return list(
        session.scalars(
            select(Algorithm)
            .join(EntryProfile, EntryProfile.algorithm_id == Algorithm.id)
            .where(
                EntryProfile.organization_key == similar.organization_key(home),
                Algorithm.is_published.is_(True),
            )
            .order_by(Algorithm.sort_name, Algorithm.id)
        )
    )


def providers_elsewhere(
    session: Session, home: str, providers: set[str]
) -> dict[str, ProviderElsewhere]:
    """Per provider key: how many entries and organisations elsewhere name it (one grouped
    query on the provider index)."""
    providers = {p for p in providers if p}
    if not providers:
        return {}
    counts = session.execute(
        select(
            EntryProfile.provider_key,
            func.count(),
            func.count(func.distinct(EntryProfile.organization_key)),
        )
        .where(
            EntryProfile.provider_key.in_(providers),
            EntryProfile.organization_key != similar.organization_key(home),
        )
        .group_by(EntryProfile.provider_key)
    ).all()
    return {
        key: ProviderElsewhere(entries=entries, organizations=organizations)
        for key, entries, organizations in counts
    }


def _theme_counts_uncached(session: Session, home: str) -> list[tuple[str, int, int, int]]:
    home_key = similar.organization_key(home)
    is_home = EntryProfile.organization_key == home_key
    rows = session.execute(
        select(
            AlgorithmTheme.theme,
            is_home,
            func.count(),
            func.count(func.distinct(EntryProfile.organization_key)),
        )
        .join(EntryProfile, EntryProfile.algorithm_id == AlgorithmTheme.algorithm_id)
        .group_by(AlgorithmTheme.theme, is_home)
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for theme, at_home, entries, organizations in rows:
        if at_home:
            counts[theme][0] = entries
        else:
            counts[theme][1], counts[theme][2] = entries, organizations
    return [(theme, *values) for theme, values in sorted(counts.items())]


def theme_counts(session: Session, home: str) -> list[ThemeCount]:
    """Per theme: entries at home, elsewhere and the organisations elsewhere (cached per
    register generation: the grouping reads every theme row)."""
    stamp = similar.last_computed(session)
    key = f"compare-themes:{page_cache.generation()}:{stamp}:{home}"
    rows = cache.get(key)
    if rows is None:
        rows = _theme_counts_uncached(session, home)
        cache.set(key, rows)
    return [ThemeCount(*row) for row in rows]


def compare(session: Session, home: str, query: CompareQuery) -> CompareResult:
    entries = home_entries(session, home)
    chosen = [a for a in entries if _matches(a, query)]
    lists = similar.similar_lists(session, chosen)
    provider_of = {a.id: similar.provider_key((a.content or {}).get("provider")) for a in chosen}
    elsewhere = providers_elsewhere(session, home, set(provider_of.values()))
    rows = [
        CompareRow(
            algorithm=algorithm,
            purpose=_purpose(algorithm.content or {}),
            provider=(algorithm.content or {}).get("provider", ""),
            categories=list((algorithm.content or {}).get("category") or []),
            similar=lists.get(algorithm.id, []),
            provider_elsewhere=elsewhere.get(provider_of[algorithm.id]),
        )
        for algorithm in chosen
    ]
    themes = theme_counts(session, home)
    if query.category:
        themes = [t for t in themes if t.theme == query.category]
    return CompareResult(
        rows=rows,
        home_total=len(entries),
        themes=themes,
        computed_at=similar.last_computed(session),
    )
