"""The register's cold path (issue 14): facet counts from a table built once per register
generation, counts that stop early, the page cache keyed on the parsed query."""

from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError

from portal.extensions import db
from register import operations, queries, search
from tests.conftest import entry_data

ENTRIES = [
    ("a1", "Parkeerbeheer Oost", "In gebruik", "Mobiliteit", ["Verkeer"]),
    ("a2", "Parkeervergunning West", "In gebruik", "Mobiliteit", ["Verkeer", "Wonen"]),
    ("a3", "Woningtoewijzing", "In ontwikkeling", "Wonen", ["Wonen"]),
    ("a4", "Afvalroutes", "Buiten gebruik", "Stadsbeheer", ["Natuur en milieu"]),
    ("a5", "Parkeerplaatsen tellen", "In ontwikkeling", "Mobiliteit", ["Verkeer"]),
    ("a6", "Bijstand controle", "In gebruik", "Werk en inkomen", ["Werk", "Sociale zekerheid"]),
]


@pytest.fixture
def register(publish_entry):
    for slug, name, status, department, themes in ENTRIES:
        publish_entry(
            slug=slug,
            name=name,
            status=status,
            department=department,
            category=themes,
            description_short=f"Over {name}.",
        )


def _brute_force(query: queries.RegisterQuery, slugs: set[str]) -> tuple[int, dict]:
    """Counts per facet the slow way: each facet with the other facets' filters applied."""
    rows = [
        {"slug": s, "status": st, "department": d, "theme": t, "publication_category": None}
        for s, _name, st, d, t in ENTRIES
        if s in slugs
    ]
    for row in rows:
        row["publication_category"] = entry_data()["publication_category"]

    def keeps(row, skip=None):
        for facet, values in query.filter_values().items():
            if not values or facet == skip or facet == "risk_level":
                continue
            have = row[facet] if facet == "theme" else [row[facet]]
            if not set(have) & set(values):
                return False
        return True

    facets = {}
    for facet in ("status", "publication_category", "department", "theme"):
        counted: dict = {}
        for row in rows:
            if keeps(row, skip=facet):
                for value in row[facet] if facet == "theme" else [row[facet]]:
                    counted[value] = counted.get(value, 0) + 1
        facets[facet] = sorted(counted.items())
    return sum(1 for row in rows if keeps(row)), facets


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"status": ["In gebruik"]},
        {"department": ["Mobiliteit"], "theme": ["Wonen"]},
        {"theme": ["Verkeer", "Werk"], "status": ["In gebruik", "In ontwikkeling"]},
        {"q": "parkeer"},
        {"q": "parkeer", "status": ["In ontwikkeling"]},
    ],
)
def test_counts_and_facets_equal_a_count_per_facet(app, register, args):
    query = queries.RegisterQuery(**args)
    result = queries.search_register(db.session, query)
    matching = {s for s, name, *_ in ENTRIES if "parkeer" in name.lower()} if query.q else None
    total, facets = _brute_force(query, matching or {s for s, *_ in ENTRIES})
    assert result.total == total
    assert result.total_is_exact
    assert {k: v for k, v in result.facets.items() if k != "risk_level"} == facets
    assert len(result.items) == total


def _statements_during(work) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_list_pages_count_from_memory_once_per_generation(app, register):
    query = queries.RegisterQuery(status=["In gebruik"], theme=["Verkeer"], page=1)
    queries.search_register(db.session, query)  # builds the table for this generation
    seen = _statements_during(lambda: queries.search_register(db.session, query))
    assert not [s for s in seen if "GROUP BY" in s.upper() or "count(" in s.lower()]
    assert len(seen) <= 4  # generation, the page's entries, their themes

    # A publication is a new generation: the counts follow at once.
    algorithm = operations.get_by_slug(db.session, "a4")
    operations.publish(
        db.session,
        algorithm,
        entry_data(name="Afvalroutes", status="In gebruik", category=["Verkeer"]),
    )
    db.session.commit()
    assert queries.search_register(db.session, query).total == 3


def test_a_warmed_up_worker_answers_its_first_reader_from_memory(app, register, client):
    """gunicorn.conf.py warms each new worker: its first list page then reads no table."""
    queries.warm_up(app)
    seen = _statements_during(lambda: client.get("/algoritmes?status=In+gebruik"))
    assert len(seen) <= 4, seen  # generation, the page's entries, their themes
    # Not the whole-register reads that build them (names in order, the vocabulary).
    assert not [s for s in seen if "ORDER BY algorithms.sort_name" in s or "search_terms" in s]


def test_warming_up_a_database_without_tables_leaves_it_to_the_first_request(tmp_path, capfd):
    from portal import create_app

    empty = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
            "JSON_LOGS": False,
        }
    )
    queries.warm_up(empty)  # no exception: the worker still starts
    assert "register not warmed up" in capfd.readouterr().err


def test_a_register_without_long_runs_skips_their_query_and_one_with_them_finds_them(
    app, publish_entry, client
):
    publish_entry(slug="gewoon", name="Gewoon", description_short="Parkeren in de wijk.")
    client.get("/algoritmes?q=wijk")  # this generation's tables
    seen = _statements_during(lambda: client.get("/algoritmes?q=parkeren"))
    assert seen
    assert not [s for s in seen if "long_words" in s]
    # A run of letters too long to be a word is searched in the entry's text.
    publish_entry(slug="codes", name="Codes", description_short="x" * 90 + "verborgenwoord.")
    page = client.get("/algoritmes?q=verborgen").get_data(as_text=True)
    assert "Codes" in page
    assert "Gewoon" not in page


def test_app_servers_run_sync_workers_two_per_core_unless_told(monkeypatch):
    import os
    import runpy
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(config))
    assert settings["worker_class"] == "sync"
    assert settings["workers"] == os.cpu_count() * 2 + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(config))["workers"] == 3


def test_list_and_search_pages_load_the_short_description_not_the_content(app, register, client):
    for query in (queries.RegisterQuery(), queries.RegisterQuery(q="afval")):
        db.session.expunge_all()  # as in a request: no entry loaded yet
        items = queries.search_register(db.session, query, cards=True).items
        assert items
        for algorithm in items:
            assert algorithm.card_description == f"Over {algorithm.name}."
            with pytest.raises(InvalidRequestError):
                algorithm.content  # noqa: B018 - touching it is the test
        db.session.rollback()
    page = client.get("/algoritmes?q=afval").get_data(as_text=True)
    assert "Over Afvalroutes." in page
    assert "Over Afvalroutes." in client.get("/").get_data(as_text=True)
    # The API still answers with whole entries.
    body = client.get("/api/v1/algorithms?q=afval").json
    assert body["items"][0]["description_short"].startswith("Over ")


def test_a_search_matching_very_many_entries_stops_counting(app, register, monkeypatch, client):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    result = queries.search_register(db.session, queries.RegisterQuery(q="parkeer", per_page=1))
    assert (result.total, result.total_is_exact) == (2, False)
    assert all(count is None for values in result.facets.values() for _v, count in values)
    assert result.facets["status"]  # the values are still offered as filters
    # A page past the limit still answers (counting goes as far as the page).
    third = queries.search_register(
        db.session, queries.RegisterQuery(q="parkeer", per_page=1, page=3)
    )
    assert len(third.items) == 1
    assert third.total == 3  # counted as far as the page reaches: here all of them

    page = client.get("/algoritmes?q=parkeer&per_page=1").get_data(as_text=True)
    assert "Meer dan 2 algoritmes gevonden" in page
    body = client.get("/api/v1/algorithms?q=parkeer&per_page=1").json
    assert (body["total"], body["total_is_exact"]) == (2, False)


def test_relevance_beyond_the_full_ranking_puts_name_matches_first(app, publish_entry, monkeypatch):
    monkeypatch.setattr(queries, "FULL_RANK_LIMIT", 1)
    publish_entry(slug="b1", name="Afval ophalen", description_short="Ook parkeervakken vegen.")
    publish_entry(slug="b2", name="Zonnepanelen", description_short="Geen parkeerplaatsen.")
    publish_entry(slug="b3", name="Parkeerautomaat", description_short="Betalen.")
    result = queries.search_register(db.session, queries.RegisterQuery(q="parkeer"))
    assert [a.slug for a in result.items] == ["b3", "b1", "b2"]


def test_name_ranking_counts_the_terms_in_the_name_and_pages_on(app, publish_entry, monkeypatch):
    monkeypatch.setattr(queries, "FULL_RANK_LIMIT", 1)
    publish_entry(slug="c1", name="Zwerfafval", description_short="Parkeren en afval.")
    publish_entry(slug="c2", name="Afval bij parkeerplaatsen", description_short="Vegen.")
    publish_entry(slug="c3", name="Bezwaren", description_short="Parkeren of afval.")
    publish_entry(slug="c4", name="Aanvragen parkeervergunning", description_short="Afval.")
    publish_entry(slug="c5", name="Afvalroutes en parkeerdruk", description_short="Tellen.")
    publish_entry(slug="c6", name="Openbare verlichting", description_short="Lampen.")

    def page(number: int) -> list[str]:
        query = queries.RegisterQuery(q="afval parkeer", per_page=2, page=number)
        return [a.slug for a in queries.search_register(db.session, query).items]

    # Both terms in the name first, then one (by name), then none; no entry twice.
    assert [*page(1), *page(2), *page(3)] == ["c2", "c5", "c4", "c1", "c3"]
    assert page(4) == []


@given(
    names=st.lists(st.text(alphabet="abcd -1", max_size=30), max_size=25),
    forms=st.lists(st.text(alphabet="abcd1", min_size=3, max_size=5), min_size=1, max_size=3),
)
def test_names_holding_a_form_are_those_a_scan_of_every_name_finds(names, forms):
    """The names' word index finds exactly the names a plain substring test finds, each once
    and in name order, for one form or several."""
    names = [search.normalize(name) for name in names]
    words, postings, starts = queries._name_word_index(names)
    positions = array("i", range(len(names)))
    cube = queries.FacetCube(
        [], [], array("i"), positions, array("i"), positions, positions, names,
        words, postings, starts,
    )  # fmt: skip
    expected = [p for p, name in enumerate(names) if any(form in name for form in forms)]
    assert list(cube.names_containing(forms)) == expected


def test_page_links_are_computed_not_looped_over_every_page():
    result = queries.SearchResult([], total=100_000, page=2500, per_page=20, facets={})
    assert result.page_numbers() == [1, 2498, 2499, 2500, 2501, 2502, 5000]
    assert queries.SearchResult([], 0, 1, 20, {}).page_numbers() == [1]


def test_extra_url_parameters_share_the_cached_page(client, register):
    first = client.get("/algoritmes?status=In+gebruik&q=parkeer")
    assert first.headers["X-Cache"] == "miss"
    for url in (
        "/algoritmes?q=parkeer&status=In+gebruik",
        "/algoritmes?status=In+gebruik&q=parkeer&utm_source=nieuwsbrief",
        "/algoritmes?status=In+gebruik&q=parkeer&page=1&sort=bogus",
    ):
        again = client.get(url)
        assert again.headers["X-Cache"] == "hit", url
        assert again.data == first.data
    # The page never shows the raw query string of whoever asked first.
    assert "utm_source" not in client.get("/algoritmes?q=x&utm_source=a").get_data(as_text=True)
    assert client.get("/algoritmes?status=In+gebruik").headers["X-Cache"] == "miss"


def test_plain_progress_lines_show_rate_and_time_left():
    from register.cli import progress_text

    assert progress_text(500, 2000, 490, 0.5) == (
        "500/2,000 rows, 490 stored, 1,000 rows/s, 0:02 left"
    )
    assert progress_text(0, 10, 0, 0.0).endswith("0 rows/s, 0:00 left")


def test_an_import_writes_new_search_words_once_per_batch(app):
    from register import exchange, search
    from tests.test_import import national

    rows = [(f"#{n}", national(id=f"e{n}", name=f"Lantaarn {n} zonnewijzer{n}")) for n in range(10)]
    seen = _statements_during(
        lambda: exchange.import_rows(
            db.session,
            rows,
            organization="Gemeente Utrecht",
            contact_email="algoritmes@utrecht.nl",
            batch_size=10,
        )
    )
    lookups = [s for s in seen if "FROM search_terms" in s]
    assert len(lookups) <= 2  # one lookup of the batch's words, not one per row
    # Every stored row's words are there for "did you mean".
    assert search.correct_terms(db.session, ["zonnewijzer7"]) == {}
    assert search.correct_terms(db.session, ["zonnewijzr7"]) == {"zonnewijzr7": "zonnewijzer7"}


def test_the_entry_page_shows_its_history_without_reading_each_versions_content(
    app, publish_entry, client
):
    """The history table needs numbers, dates and summaries; each version's content is the
    whole entry again (kilobytes), read only where versions are compared."""
    algorithm = publish_entry(slug="historie", name="Historie", description_short="Eerst.")
    for text_ in ("Daarna.", "Nu."):
        content = {**algorithm.content, "description_short": text_}
        operations.publish(db.session, algorithm, content, f"Tekst: {text_}")
        db.session.commit()
    db.session.expire_all()

    responses = []
    seen = _statements_during(lambda: responses.append(client.get("/algoritmes/historie")))
    page = responses[0].get_data(as_text=True)
    assert responses[0].status_code == 200
    assert all(f"Tekst: {t}" in page for t in ("Daarna.", "Nu."))
    version_reads = [s for s in seen if "FROM algorithm_versions" in s]
    assert version_reads
    assert not any("algorithm_versions.content" in s for s in version_reads)
    # Comparing two versions still reads both.
    assert "Eerst." in client.get("/algoritmes/historie/versies/2").get_data(as_text=True)
