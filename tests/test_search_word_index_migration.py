"""Migration f7b9d1e3a5c8 (PostgreSQL's word index) on a register that already has search
documents: up gives every stored document its words and the vocabulary the words it lacked, so the
existing entries are found at once; down takes both out again and keeps the documents (and,
on SQLite, the FTS5 index that its triggers keep)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from register import search
from tests import migration_helpers

BEFORE, THIS = "e6a8c0d2f4b7", "f7b9d1e3a5c8"
SCHEMA = "search_words_migration_check"
LONG_RUN = "x" * 90 + "verborgenwoord"


def _document(connection, entry_id: int, name: str, body: str) -> None:
    migration_helpers.insert_search_document(connection, SCHEMA, entry_id, name, f"{name} {body}")


def test_existing_documents_are_found_through_the_new_index(scratch_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _document(connection, 1, "straatparkeren", "opbrengsten voorspellen sinds 2019")
        _document(connection, 2, "afval", f"sensoren melden {LONG_RUN}")
        connection.execute(text("INSERT INTO search_terms (term) VALUES ('straatparkeren')"))
    upgrade(revision=THIS)

    vocabulary = set(db.session.scalars(text("SELECT term FROM search_terms")))
    # Every word of the stored texts is in the vocabulary now, numbers included.
    assert {"2019", "opbrengsten", "sensoren", "straatparkeren"} <= vocabulary
    assert LONG_RUN not in vocabulary
    if db.engine.dialect.name == "postgresql":
        rows = dict(
            db.session.execute(text("SELECT algorithm_id, words FROM search_documents")).all()
        )
        assert {"straatparkeren", "opbrengsten", "2019"} <= set(rows[1])
        long_runs = dict(
            db.session.execute(text("SELECT algorithm_id, long_words FROM search_documents")).all()
        )
        assert long_runs == {1: False, 2: True}
    # Found by today's search, which on SQLite needs the later index migrations too.
    db.session.rollback()  # the reads above must not hold locks the migrations wait for
    upgrade()
    assert search.matching_ids(db.session, ["parkeer"]) == [1]
    assert search.matching_ids(db.session, ["2019"]) == [1]
    assert search.matching_ids(db.session, ["verborgen"]) == [2]  # inside the long run
    db.session.rollback()


def test_downgrade_removes_the_index_and_the_numbers_and_keeps_the_documents(scratch_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _document(connection, 1, "straatparkeren", "sinds 2019")
    upgrade(revision=THIS)
    downgrade(revision=BEFORE)

    columns = {c["name"] for c in inspect(db.engine).get_columns("search_documents", schema=(
        SCHEMA if db.engine.dialect.name == "postgresql" else None))}  # fmt: skip
    assert not {"words", "long_words"} & columns
    assert "2019" not in set(db.session.scalars(text("SELECT term FROM search_terms")))
    assert db.session.scalar(text("SELECT COUNT(*) FROM search_documents")) == 1
    if db.engine.dialect.name == "sqlite":
        # The triggers survived: a new document is in the FTS5 index.
        with db.engine.begin() as connection:
            _document(connection, 2, "afval", "sensoren")
        found = db.session.scalars(
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH '\"senso\"'")
        ).all()
        assert found == [2]
