"""PostgreSQL searches through a word index (issue 14)

Revision ID: f7b9d1e3a5c8
Revises: e6a8c0d2f4b7
Create Date: 2026-12-02 08:00:00

A search term matches inside words (`parkeer` finds `straatparkeren`). PostgreSQL answered that
with a trigram index over every 4 kB text, which rechecks every candidate text: seconds per
search at 100,000 entries. Now a term is first expanded to the register's words that contain
it (a trigram index over the vocabulary, which is small), and entries are found through a
GIN index over each entry's distinct words. Texts with a run of over 80 letters (not a word,
so not in the vocabulary) keep a trigram index of their own.

The vocabulary now holds numbers too (they were left out so that typo correction would not
"correct" one number into another; it now skips numbers itself). A downgrade takes them out.

Existing rows are carried along: every search document gets its words from the stored text,
and the vocabulary every word of the stored texts it lacks (its numbers, and on a register
filled by an older tool any other word), since PostgreSQL now finds entries through it.
SQLite keeps its FTS5 index; its vocabulary is completed the same way.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "f7b9d1e3a5c8"
down_revision = "e6a8c0d2f4b7"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    words_type = sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
    # Plain ADD COLUMN, not a batch rebuild: on SQLite that would drop the FTS5 triggers.
    op.add_column("search_documents", sa.Column("words", words_type, nullable=True))
    op.add_column(
        "search_documents",
        sa.Column("long_words", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    if dialect == "postgresql":
        op.execute(
            "UPDATE search_documents SET "
            "words = ARRAY(SELECT DISTINCT w FROM unnest(string_to_array(body_text, ' ')) AS w "
            "WHERE length(w) BETWEEN 3 AND 80 ORDER BY w), "
            "long_words = EXISTS(SELECT 1 FROM unnest(string_to_array(body_text, ' ')) AS w "
            "WHERE length(w) > 80)"
        )
        op.execute(
            "INSERT INTO search_terms (term) SELECT DISTINCT w FROM search_documents, "
            "unnest(words) AS w ON CONFLICT DO NOTHING"
        )
        op.execute("DROP INDEX IF EXISTS ix_search_documents_body_trgm")
        op.execute(
            "CREATE INDEX ix_search_documents_long_trgm ON search_documents "
            "USING gin (body_text gin_trgm_ops) WHERE long_words"
        )
        op.execute("CREATE INDEX ix_search_documents_words ON search_documents USING gin (words)")
        op.execute(
            "CREATE INDEX ix_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)"
        )
        return
    # SQLite: the words the vocabulary lacks (its numbers) join it, in batches.
    connection = op.get_bind()
    known = set(connection.scalars(sa.text("SELECT term FROM search_terms")))
    words: set[str] = set()
    for (body,) in connection.execute(sa.text("SELECT body_text FROM search_documents")):
        words.update(w for w in (body or "").split() if 3 <= len(w) <= 80)
    new = sorted(words - known)
    for start in range(0, len(new), 500):
        connection.execute(
            sa.text("INSERT INTO search_terms (term) VALUES (:term)"),
            [{"term": term} for term in new[start : start + 500]],
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_terms_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_words")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_long_trgm")
        op.execute(
            "CREATE INDEX ix_search_documents_body_trgm ON search_documents "
            "USING gin (body_text gin_trgm_ops)"
        )
        op.execute("DELETE FROM search_terms WHERE term ~ '^[0-9]+$'")
    else:
        op.execute("DELETE FROM search_terms WHERE term NOT GLOB '*[^0-9]*'")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the FTS5 triggers.
    op.execute("ALTER TABLE search_documents DROP COLUMN long_words")
    op.execute("ALTER TABLE search_documents DROP COLUMN words")
