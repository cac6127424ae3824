"""SQLite searches like PostgreSQL: a term expands to the register's words that contain it
(a trigram index over the vocabulary), and entries are found through an index of whole words;
PostgreSQL keeps the long texts of search documents out of the table's rows (issue 14)

Revision ID: b2d4f6a8c0e1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-03 09:00:00

FTS5's trigram index over each entry's words answered a long word through a dozen common
trigrams whose combination was rare: every posting list of those trigrams was read, up to a
fifth of a second at 100,000 entries, and the index was most of an import's work. The
vocabulary (`search_terms`) is a thousand times smaller than the entries' texts: its own
trigram index finds the words that contain a term in a millisecond, and an FTS5 index of
whole words (no positions: a term is one word) finds the entries that hold one of them. The
same entries as before are found, for a tenth of the indexing.

A run of over 80 letters is no word and stays out of the vocabulary: as on PostgreSQL,
`long_words` marks the rare documents that have one, which a search reads directly.

Existing rows are carried along: the word index is rebuilt from the stored words, every word
in it joins the vocabulary (if it was missing), the vocabulary's index is filled, and the
documents with a long run are marked. A downgrade brings back the trigram index over the
words.

PostgreSQL already searches this way, but found entries by reading their rows: a common word's
10,000 ids took 10,000 table pages, as each row held its compressed texts (1.7 kB). With a
toast target of 128 bytes the texts go to the table's TOAST storage and a row is its id and
pointers, about fifty to a page: 200 pages for those ids. CLUSTER rewrites the existing rows
that way (and rebuilds the indexes) inside the migration's transaction; every row, text and
ranking vector is kept. A downgrade resets the setting (rows stay as they are, equally valid).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e1"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None

DOCUMENT_TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")
TERM_TRIGGERS = ("search_terms_ai", "search_terms_ad")
MAX_WORD_LENGTH = 80  # as register.search at this revision
TOAST_TARGET = 128  # bytes; PostgreSQL's smallest


def _document_index(tokenize: str) -> None:
    """search_fts over search_documents.words, with its triggers, rebuilt."""
    for trigger in DOCUMENT_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(words, content='search_documents', "
        f"content_rowid='algorithm_id', {tokenize})"
    )
    op.execute(
        "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
        "INSERT INTO search_fts(rowid, words) VALUES (new.algorithm_id, new.words); END"
    )
    op.execute(
        "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, words) "
        "VALUES ('delete', old.algorithm_id, old.words); END"
    )
    op.execute(
        "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, words) "
        "VALUES ('delete', old.algorithm_id, old.words); "
        "INSERT INTO search_fts(rowid, words) VALUES (new.algorithm_id, new.words); END"
    )
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE search_documents SET (toast_tuple_target = {TOAST_TARGET})")
        op.execute("CLUSTER search_documents USING pk_search_documents")
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    # Whole words, no positions: the words are lower-case ASCII letters and digits already.
    _document_index("tokenize='ascii', detail='none'")
    # Every indexed word is in the vocabulary, or a search could not expand a term to it.
    op.execute(
        "CREATE VIRTUAL TABLE temp.search_fts_words USING fts5vocab(main, search_fts, 'row')"
    )
    op.execute(
        "INSERT OR IGNORE INTO search_terms (term) SELECT term FROM temp.search_fts_words "
        f"WHERE length(term) BETWEEN 3 AND {MAX_WORD_LENGTH}"
    )
    connection = op.get_bind()
    long_runs = connection.scalars(
        sa.text(f"SELECT term FROM temp.search_fts_words WHERE length(term) > {MAX_WORD_LENGTH}")
    ).all()
    op.execute("DROP TABLE temp.search_fts_words")
    for run in long_runs:
        connection.execute(
            sa.text(
                "UPDATE search_documents SET long_words = 1 WHERE algorithm_id IN "
                "(SELECT rowid FROM search_fts WHERE search_fts MATCH :run)"
            ),
            {"run": '"' + run + '"'},
        )
    op.execute(
        "CREATE INDEX ix_search_documents_long ON search_documents (algorithm_id) "
        "WHERE long_words = 1"
    )
    # The vocabulary's own copy of each word (not external content: the rowids of a table
    # keyed by text can change in a VACUUM).
    op.execute("CREATE VIRTUAL TABLE search_terms_fts USING fts5(term, tokenize='trigram')")
    op.execute(
        "CREATE TRIGGER search_terms_ai AFTER INSERT ON search_terms BEGIN "
        "INSERT INTO search_terms_fts(term) VALUES (new.term); END"
    )
    op.execute(
        "CREATE TRIGGER search_terms_ad AFTER DELETE ON search_terms BEGIN "
        "DELETE FROM search_terms_fts WHERE term = old.term; END"
    )
    op.execute("INSERT INTO search_terms_fts(term) SELECT term FROM search_terms")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TERM_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_terms_fts")
    op.execute("DROP INDEX IF EXISTS ix_search_documents_long")
    op.execute("UPDATE search_documents SET long_words = 0")
    _document_index("tokenize='trigram'")
