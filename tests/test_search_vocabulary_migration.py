"""Migration b2d4f6a8c0e1: SQLite finds entries through an FTS5 index of whole words, after
expanding each term through a trigram index over the vocabulary; PostgreSQL keeps the long
texts of search documents out of the table's rows. Stored documents are found as before
(inside compounds, numbers, inside a run too long to be a word), words missing from the
vocabulary join it, the triggers keep both indexes in step, and a downgrade goes back."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db
from register import search
from tests import migration_helpers

BEFORE, THIS = "a1c3e5f7b9d2", "b2d4f6a8c0e1"
SCHEMA = "search_vocabulary_check"
LONG_RUN = "x" * 90 + "verborgenwoord"


def _document(connection, entry_id: int, name: str, body: str) -> None:
    """A stored entry and its search document as the previous revision wrote them."""
    body_text = f"{name} {body}"
    postgresql = connection.dialect.name == "postgresql"
    words, long_words = search.word_index(body_text)
    migration_helpers.insert_search_document(
        connection, SCHEMA, entry_id, name, body_text,
        words=words if postgresql else search.match_words(body_text),
        long_words=long_words if postgresql else False,
    )  # fmt: skip


def _sqlite_only() -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the FTS5 indexes are SQLite's")


def _check(*tables: str) -> None:
    """FTS5 reads every entry of each index back and compares (raises when they differ)."""
    for table in tables:
        db.session.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))


def test_stored_documents_are_found_through_the_vocabulary(scratch_app):
    _sqlite_only()
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _document(connection, 1, "straatparkeren", "opbrengsten voorspellen sinds 2019")
        _document(connection, 2, "afval", f"sensoren melden {LONG_RUN}")
        # The vocabulary as an older release may have left it: one word missing.
        connection.execute(
            text("INSERT INTO search_terms (term) VALUES ('straatparkeren'), ('opbrengsten'), "
                 "('voorspellen'), ('sinds'), ('2019'), ('afval'), ('melden')")
        )  # fmt: skip
    upgrade(revision=THIS)

    vocabulary = set(db.session.scalars(text("SELECT term FROM search_terms")))
    assert "sensoren" in vocabulary  # the missing word joined
    assert LONG_RUN not in vocabulary  # a run this long is no word
    marked = dict(
        db.session.execute(text("SELECT algorithm_id, long_words FROM search_documents")).all()
    )
    assert marked == {1: 0, 2: 1}
    found = {t: search.matching_ids(db.session, [t]) for t in ("parkeer", "2019", "senso")}
    assert found == {"parkeer": [1], "2019": [1], "senso": [2]}
    assert search.matching_ids(db.session, ["verborgen"]) == [2]  # inside the long run
    assert search.matching_ids(db.session, ["melden", "verborgen"]) == [2]
    assert search.matching_ids(db.session, ["sindsopbrengsten"]) == []
    _check("search_fts", "search_terms_fts")
    db.session.rollback()


def test_the_triggers_keep_both_indexes_in_step(scratch_app):
    _sqlite_only()
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        _document(connection, 1, "afval", "sensoren melden volle containers")
        connection.execute(text("INSERT INTO search_terms (term) VALUES ('sensoren'), ('oud')"))
        connection.execute(text("DELETE FROM search_terms WHERE term = 'oud'"))
    assert search.matching_ids(db.session, ["senso"]) == [1]
    terms = db.session.scalars(text("SELECT term FROM search_terms_fts")).all()
    assert terms == ["sensoren"]
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE search_documents SET words = 'fietsen tellen' WHERE algorithm_id = 1")
        )
        connection.execute(text("INSERT INTO search_terms (term) VALUES ('fietsen')"))
    db.session.info.clear()  # the session keeps a search's expansions
    assert search.matching_ids(db.session, ["senso"]) == []
    assert search.matching_ids(db.session, ["fiets"]) == [1]
    _check("search_fts", "search_terms_fts")
    db.session.rollback()


def test_downgrade_brings_back_the_trigram_index(scratch_app):
    _sqlite_only()
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _document(connection, 1, "afval", f"sensoren {LONG_RUN}")
    upgrade(revision=THIS)
    downgrade(revision=BEFORE)

    found = db.session.scalars(
        text("SELECT rowid FROM search_fts WHERE search_fts MATCH '\"senso\"'")
    ).all()
    assert found == [1]  # a part of a word: trigrams again
    assert db.session.scalar(text("SELECT long_words FROM search_documents")) == 0
    tables = set(db.session.scalars(text("SELECT name FROM sqlite_master")))
    assert "search_terms_fts" not in tables
    assert "ix_search_documents_long" not in tables
    _check("search_fts")
    db.session.rollback()


def _table(what: str):
    return db.session.scalar(
        text(
            f"SELECT {what} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'search_documents' AND n.nspname = :schema"
        ),
        {"schema": SCHEMA},
    )


def test_postgresql_moves_the_texts_out_of_the_rows_and_keeps_them(scratch_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TOAST is PostgreSQL's")
    upgrade(revision=BEFORE)
    # Texts that compress to about a kilobyte: kept in the row by default, six to a page.
    bodies = {
        n: " ".join(f"woord{(n * 7 + k) % 60} straatparkeren{k % 9}" for k in range(300))
        for n in range(3, 43)
    }
    with db.engine.begin() as connection:
        _document(connection, 1, "parkeren", "straatparkeren")
        _document(connection, 2, "afval", f"sensoren {LONG_RUN}")
        for n, body in bodies.items():
            _document(connection, n, f"entry{n}", body)
        connection.execute(
            text("UPDATE search_documents SET document = to_tsvector('dutch', body_text)")
        )
        vocabulary = {"sensoren", "straatparkeren"}.union(*(b.split() for b in bodies.values()))
        connection.execute(
            text("INSERT INTO search_terms (term) VALUES (:term)"),
            [{"term": term} for term in vocabulary],
        )
    pages_before = _table("pg_relation_size(c.oid)") // 8192
    upgrade(revision=THIS)

    assert "toast_tuple_target=128" in (_table("reloptions") or [])
    # The rows are pointers to their texts now: 42 of them fit in one page.
    assert pages_before >= 4
    assert _table("pg_relation_size(c.oid)") // 8192 == 1
    rows = dict(
        db.session.execute(text("SELECT algorithm_id, body_text FROM search_documents")).all()
    )
    assert rows[2] == f"afval sensoren {LONG_RUN}"
    assert all(rows[n] == f"entry{n} {body}" for n, body in bodies.items())
    ranked = db.session.scalar(
        text("SELECT COUNT(*) FROM search_documents WHERE document IS NOT NULL")
    )
    assert ranked == 42
    assert search.matching_ids(db.session, ["parkeer"]) == [1, *bodies]
    assert search.matching_ids(db.session, ["verborgen"]) == [2]
    db.session.rollback()
    downgrade(revision=BEFORE)
    assert "toast_tuple_target=128" not in (_table("reloptions") or [])
