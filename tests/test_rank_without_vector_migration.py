"""Migration c3e5a7b9d1f4: PostgreSQL's Dutch ranking vector goes, so both databases rank
by the same rules. Stored documents keep their texts and word index and are found and
ranked as before (name matches first); a downgrade makes the vector again from the texts."""

from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from register import search
from tests import migration_helpers

BEFORE, THIS = "b2d4f6a8c0e1", "c3e5a7b9d1f4"
SCHEMA = "rank_without_vector_check"


def _columns() -> set[str]:
    schema = SCHEMA if db.engine.dialect.name == "postgresql" else None
    return {c["name"] for c in inspect(db.engine).get_columns("search_documents", schema=schema)}


def _compression() -> dict[str, str]:
    """PostgreSQL: the compression method each long column asks for ('' is the default)."""
    rows = db.session.execute(
        text("SELECT c.relname || '.' || a.attname, a.attcompression FROM pg_attribute a "
             "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = :schema AND a.attname IN ('content', 'body_text', 'words') "
             "AND c.relkind = 'r'"), {"schema": SCHEMA},
    ).all()  # fmt: skip
    db.session.rollback()
    return dict(rows)


def _store(connection, entry_id: int, name: str, body: str, *, vector: bool = True) -> None:
    """An entry and its search document as the previous revision wrote them (without
    `vector`: as this one does)."""
    body_text = f"{name} {body}"
    postgresql = connection.dialect.name == "postgresql"
    words, long_words = search.word_index(body_text)
    migration_helpers.insert_search_document(
        connection, SCHEMA, entry_id, name, body_text,
        words=words if postgresql else search.match_words(body_text), long_words=long_words,
    )  # fmt: skip
    if postgresql and vector:
        connection.execute(
            text("UPDATE search_documents SET document = to_tsvector('dutch', body_text) "
                 "WHERE algorithm_id = :id"), {"id": entry_id},
        )  # fmt: skip
    connection.execute(
        text("INSERT INTO search_terms (term) VALUES " + ", ".join(
            f"('{w}')" for w in sorted(set(body_text.split()))
        ) + " ON CONFLICT (term) DO NOTHING")
    )  # fmt: skip


def _ranked(term: str) -> list[int]:
    ids = search.matching_ids(db.session, [term])
    rows = db.session.execute(search.ranked_documents(db.session, [term])).all()
    ranks = {row.algorithm_id: row.rank for row in rows if row.algorithm_id in ids}
    return sorted(ranks, key=lambda i: (-ranks[i], i))


def test_documents_keep_their_texts_and_ranking_without_the_vector(scratch_app):
    upgrade(revision=BEFORE)
    assert "document" in _columns()
    with db.engine.begin() as connection:
        _store(connection, 1, "sensoren", "meten zwerfafval op straat")
        _store(connection, 2, "afvalcontainers", "sensoren melden volle bakken")
    upgrade(revision=THIS)

    assert "document" not in _columns()
    texts = db.session.execute(
        text("SELECT algorithm_id, body_text FROM search_documents ORDER BY algorithm_id")
    ).all()
    assert texts == [(1, "sensoren meten zwerfafval op straat"),
                     (2, "afvalcontainers sensoren melden volle bakken")]  # fmt: skip
    # Found through the kept word index, inside compounds, the name match first.
    assert _ranked("afval") == [2, 1]
    assert _ranked("sensor") == [1, 2]
    db.session.rollback()


def test_postgresql_compresses_the_long_columns_with_lz4_and_reads_older_values(scratch_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("compression methods are PostgreSQL's")
    methods = db.session.scalar(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    db.session.rollback()
    if "lz4" not in (methods or []):  # before PostgreSQL 14, or built without lz4
        # CI's server (Debian's PostgreSQL 15) has it: there the test must run.
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("the PostgreSQL server has no lz4, and REQUIRE_POSTGRES is set")
        pytest.skip("this server has no lz4; the migration keeps pglz there")
    upgrade(revision=BEFORE)
    long_body = " ".join(f"woord{n}" for n in range(800))  # over 2 kB: compressed (pglz)
    with db.engine.begin() as connection:
        _store(connection, 1, "afval", long_body)
    upgrade(revision=THIS)

    assert _compression() == {
        "algorithms.content": "l",
        "algorithm_versions.content": "l",
        "search_documents.body_text": "l",
        "search_documents.words": "l",
    }
    # The value stored before is read as it was; a new one is compressed with lz4.
    assert db.session.scalar(text("SELECT body_text FROM search_documents")) == f"afval {long_body}"
    with db.engine.begin() as connection:
        _store(connection, 2, "zwerfafval", long_body, vector=False)
    methods = db.session.execute(
        text("SELECT algorithm_id, pg_column_compression(body_text) FROM search_documents "
             "ORDER BY algorithm_id")
    ).all()  # fmt: skip
    assert methods == [(1, "pglz"), (2, "lz4")]
    assert _ranked("woord799") == [1, 2]
    db.session.rollback()
    downgrade(revision=BEFORE)
    assert set(_compression().values()) == {""}


def test_a_downgrade_makes_the_vector_again_from_the_texts(scratch_app):
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        migration_helpers.insert_search_document(
            connection, SCHEMA, 1, "afval", "afval sensoren melden",
            words=["afval", "melden", "sensoren"] if connection.dialect.name == "postgresql"
            else "afval sensoren melden",
        )  # fmt: skip
    downgrade(revision=BEFORE)

    assert "document" in _columns()
    stored = db.session.scalar(text("SELECT document FROM search_documents"))
    if db.engine.dialect.name == "postgresql":
        # The Dutch stems of name and text, as the previous release made them.
        assert stored == "'afval':1,2 'meld':4 'sensor':3"
    else:
        assert stored is None  # SQLite never filled it
    db.session.rollback()
