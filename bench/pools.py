"""Pools of varied requests built from the register's own words, filter values and slugs.

Readers do not all ask for the same page: the cold figures draw each request at random from
these pools (searches: words and word pairs from the entries; list pages: page, filter and
sort combinations; entries: slugs), so most requests miss the page cache.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

SEARCH_WORDS = 1_000
SEARCH_PAIRS = 400
LIST_COMBINATIONS = 400
ENTRY_SLUGS = 1_200
PER_PAGE = 20


def _count(connection, args: dict) -> int:
    """Published entries matching the filters in `args` (the list page's own rules)."""
    where, params = ["is_published = :yes"], {"yes": True}
    for name in ("status", "publication_category", "department"):
        if name in args:
            where.append(f"{name} = :{name}")
            params[name] = args[name]
    if "theme" in args:
        where.append(
            "EXISTS (SELECT 1 FROM algorithm_themes t WHERE t.algorithm_id = algorithms.id "
            "AND t.theme = :theme)"
        )
        params["theme"] = args["theme"]
    sql = "SELECT COUNT(*) FROM algorithms WHERE " + " AND ".join(where)  # noqa: S608 - fixed
    return connection.scalar(text(sql), params)


def build(url: str, seed: int = 14) -> dict[str, list[str]]:
    """{"words": [...], "search": paths, "api": paths, "list": paths, "entry": paths}."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not security
    engine = create_engine(url)
    with engine.connect() as connection:
        # Words, not numbers: the vocabulary holds every entry's number too, and a search
        # that finds one entry would make the pool easy.
        terms = [
            term
            for term in connection.scalars(
                text("SELECT term FROM search_terms WHERE length(term) >= 4 ORDER BY term")
            )
            if not term.isdigit()
        ]
        slugs = connection.scalars(
            text("SELECT slug FROM algorithms WHERE is_published = :yes ORDER BY id"),
            {"yes": True},
        ).all()
        total = len(slugs)
        facets = {
            name: connection.scalars(
                text(
                    f"SELECT DISTINCT {name} FROM algorithms "  # noqa: S608 - fixed names
                    f"WHERE is_published = :yes AND {name} <> '' ORDER BY {name}"
                ),
                {"yes": True},
            ).all()
            for name in ("status", "publication_category", "department")
        }
        facets["theme"] = connection.scalars(
            text("SELECT DISTINCT theme FROM algorithm_themes ORDER BY theme")
        ).all()
    words = [t for t in terms if not t.isdigit()]
    chosen = rng.sample(words, min(SEARCH_WORDS, len(words)))
    pairs = [" ".join(rng.sample(chosen, 2)) for _ in range(SEARCH_PAIRS)]
    queries = chosen + pairs
    lists = []
    with engine.connect() as connection:
        for _ in range(LIST_COMBINATIONS):
            args: dict = {}
            for name, values in facets.items():
                if values and rng.random() < 0.25:
                    args[name] = rng.choice(values)
            # Only pages that exist (a page beyond the last answers 404): filtered views
            # have fewer, and of those their first three.
            filtered = bool(args)
            pages = max(1, -(-(_count(connection, args) if filtered else total) // PER_PAGE))
            limit = min(3, pages) if filtered else pages
            sort = rng.choice(["", "name", "recent"])
            if sort:
                args["sort"] = sort
            page = rng.randint(1, limit) if rng.random() < 0.7 else 1
            if page > 1:
                args["page"] = page
            lists.append("/algoritmes" + (f"?{urlencode(args)}" if args else ""))
    engine.dispose()
    return {
        "words": queries,
        "search": ["/algoritmes?" + urlencode({"q": q}) for q in queries],
        "api": ["/api/v1/algorithms?" + urlencode({"q": q}) for q in queries],
        "list": lists,
        "entry": [f"/algoritmes/{s}" for s in rng.sample(slugs, min(ENTRY_SLUGS, len(slugs)))],
    }
