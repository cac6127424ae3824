"""Search indexes that cost less to write: SQLite's FTS5 over each entry's distinct words,
PostgreSQL without a GIN index over the ranking vector (issue 14)

Revision ID: a1c3e5f7b9d2
Revises: f7b9d1e3a5c8
Create Date: 2026-12-02 18:00:00

SQLite's FTS5 trigram index covered each entry's whole normalised text. A search term never
holds a space, so it occurs in the text exactly when it occurs in one of the text's words:
indexing the distinct words (`words`, space-separated; PostgreSQL keeps its array there)
finds the same entries from half the characters, and indexing was most of an import's time.

PostgreSQL finds entries through the words' GIN index and only reads the Dutch ranking vector
of the entries found (`ts_rank_cd`), so the GIN index over that vector answered no query while
every import updated it for each entry: it goes.

Existing rows are carried along: every search document gets its words from its stored text,
and the FTS5 index is rebuilt from them; PostgreSQL keeps every row and its ranking vector. A
downgrade rebuilds the FTS5 index over the whole text, and PostgreSQL's GIN index, again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c3e5f7b9d2"
down_revision = "f7b9d1e3a5c8"
branch_labels = None
depends_on = None

TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")
BATCH = 1000


def _fts_over(column: str) -> None:
    """The FTS5 table and its triggers over `column` of search_documents, rebuilt."""
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({column}, content='search_documents', "
        "content_rowid='algorithm_id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
        f"INSERT INTO search_fts(rowid, {column}) VALUES (new.algorithm_id, new.{column}); END"
    )
    op.execute(
        "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {column}) "
        f"VALUES ('delete', old.algorithm_id, old.{column}); END"
    )
    op.execute(
        "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {column}) "
        f"VALUES ('delete', old.algorithm_id, old.{column}); "
        f"INSERT INTO search_fts(rowid, {column}) VALUES (new.algorithm_id, new.{column}); END"
    )
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _distinct_words(body_text: str) -> str:
    # As register.search.match_words at this revision (a migration keeps its own copy).
    return " ".join(dict.fromkeys(t for t in (body_text or "").split() if len(t) >= 3))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_document")
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    connection = op.get_bind()
    # The triggers go first: filling `words` must not touch the old index row by row.
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT algorithm_id, body_text FROM search_documents WHERE algorithm_id > :last "
                "ORDER BY algorithm_id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            break
        connection.execute(
            sa.text("UPDATE search_documents SET words = :words WHERE algorithm_id = :id"),
            [{"id": row.algorithm_id, "words": _distinct_words(row.body_text)} for row in rows],
        )
        last = rows[-1].algorithm_id
    _fts_over("words")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)"
        )
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("UPDATE search_documents SET words = NULL")
    _fts_over("body_text")
