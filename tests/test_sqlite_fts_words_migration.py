"""Migration a1c3e5f7b9d2: SQLite's FTS5 index over each entry's distinct words instead of its
whole text. Stored documents get their words and are found as before, the triggers keep the
new index in step with later writes, and a downgrade indexes the whole text again. A search
term holds no space, so the distinct words find exactly what the text found. On PostgreSQL
the unused GIN index over the ranking vector goes, and the rows stay found and ranked (today's
ranking no longer reads the vector at all: migration c3e5a7b9d1f4 drops it)."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from portal.extensions import db
from register import search
from tests import migration_helpers

BEFORE, THIS = "f7b9d1e3a5c8", "a1c3e5f7b9d2"
SCHEMA = "sqlite_fts_words_check"
LONG_RUN = "x" * 90 + "verborgenwoord"


def _document(connection, entry_id: int, name: str, body: str, *, words: bool) -> None:
    """A stored entry and its search document, as the app writes it at that revision: with
    its distinct words after this migration, without them before."""
    body_text = f"{name} {body}"
    words_column = search.match_words(body_text) if words else None
    migration_helpers.insert_search_document(
        connection, SCHEMA, entry_id, name, body_text, words=words_column
    )


def _fts_ids(expression: str) -> list[int]:
    return sorted(
        db.session.scalars(
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q"), {"q": expression}
        )
    )


def _found(term: str) -> list[int]:
    """The entries this revision's trigram index finds for a term in any of its forms, as
    register.search asked it then (the current code searches through the vocabulary)."""
    return _fts_ids(" OR ".join(f'"{form}"' for form in search.term_variants(term)))


def _sqlite_only() -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the migration changes SQLite's FTS5 index only")


def test_stored_documents_are_found_through_their_words(scratch_app):
    _sqlite_only()
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _document(
            connection, 1, "straatparkeren", "opbrengsten voorspellen sinds 2019 de de de",
            words=False,
        )  # fmt: skip
        _document(connection, 2, "afval", f"sensoren melden {LONG_RUN}", words=False)
    before = {t: _found(t) for t in ("parkeer", "2019", "verborgen")}
    db.session.rollback()
    upgrade(revision=THIS)

    words = dict(db.session.execute(text("SELECT algorithm_id, words FROM search_documents")).all())
    # Each word once, short ones left out (no term is shorter than three letters).
    assert words[1] == "straatparkeren opbrengsten voorspellen sinds 2019"
    assert LONG_RUN in words[2].split()
    after = {t: _found(t) for t in before}
    assert after == before == {"parkeer": [1], "2019": [1], "verborgen": [2]}
    # Two words next to each other in the text are not one term in either index.
    assert _found("sindsopbrengsten") == []
    db.session.rollback()


def test_the_triggers_keep_the_new_index_in_step(scratch_app):
    _sqlite_only()
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        _document(connection, 1, "afval", "sensoren melden volle containers", words=True)
        _document(connection, 2, "parkeren", "kentekens scannen", words=True)
    assert _fts_ids('"senso"') == [1]
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE search_documents SET body_text = 'fietsen tellen', words = "
                 "'fietsen tellen' WHERE algorithm_id = 1")
        )  # fmt: skip
        connection.execute(text("DELETE FROM search_documents WHERE algorithm_id = 2"))
    assert _fts_ids('"senso"') == []
    assert _fts_ids('"fiets"') == [1]
    assert _fts_ids('"kenteken"') == []
    # The index reads back whole from its content table (FTS5 checks every entry).
    db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    db.session.rollback()


def test_downgrade_indexes_the_whole_text_again(scratch_app):
    _sqlite_only()
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        _document(connection, 1, "straatparkeren", "sinds 2019", words=True)
    downgrade(revision=BEFORE)

    assert db.session.scalar(text("SELECT words FROM search_documents")) is None
    assert _found("parkeer") == [1]
    with db.engine.begin() as connection:
        _document(connection, 2, "afval", "sensoren", words=False)
    assert _fts_ids('"senso"') == [2]
    db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    db.session.rollback()


def _postgresql_indexes() -> set[str]:
    return {i["name"] for i in inspect(db.engine).get_indexes("search_documents", schema=SCHEMA)}


def test_postgresql_keeps_its_rows_and_ranking_without_the_vector_index(scratch_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the GIN index over the ranking vector is PostgreSQL's")
    upgrade(revision=BEFORE)
    assert "ix_search_documents_document" in _postgresql_indexes()
    with db.engine.begin() as connection:
        for entry_id, name, body in ((1, "afval", "afval afval sensoren"), (2, "zwerfafval", "")):
            _document(connection, entry_id, name, body, words=False)
        connection.execute(
            text("UPDATE search_documents SET document = to_tsvector('dutch', body_text), "
                 "words = string_to_array(body_text, ' ')")
        )  # fmt: skip
        connection.execute(text("INSERT INTO search_terms (term) VALUES ('afval'), ('zwerfafval')"))
    upgrade(revision=THIS)

    assert "ix_search_documents_document" not in _postgresql_indexes()
    assert db.session.scalar(text("SELECT COUNT(*) FROM search_documents")) == 2
    ranked = db.session.execute(
        search.matching_documents(db.session, ["afval"]).order_by(text("rank DESC"))
    ).all()
    # Both found and ranked (by the rules both databases share): the whole word first.
    assert [row.algorithm_id for row in ranked] == [1, 2]
    db.session.rollback()
    downgrade(revision=BEFORE)
    assert "ix_search_documents_document" in _postgresql_indexes()


_LETTERS = st.text(alphabet="abcde09 ", max_size=60)


@given(body=_LETTERS, term=st.text(alphabet="abcde09", min_size=3, max_size=6))
@example(body="ab cde", term="bcd")
@example(body="abc abc abcd", term="abcd")
@example(body="aa " + "b" * 100, term="bbb")
def test_distinct_words_hold_a_term_exactly_when_the_text_does(body, term):
    normalised = search.normalize(body)
    assert (term in search.match_words(normalised)) == (term in normalised)
