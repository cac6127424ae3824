"""Search ranks the same way on both databases: PostgreSQL's Dutch ranking vector goes, and
PostgreSQL compresses the long texts with lz4 (issue 14)

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a8c0e1
Create Date: 2026-12-04 19:30:00

PostgreSQL ranked the up to 1,000 entries a search found with `ts_rank_cd` over a stored
Dutch vector (`search_documents.document`), on top of the rules both databases share (search
words in the name, then words that start with one). Making that vector was the largest part
of an import on PostgreSQL (0.28 ms an entry, 5.6 of 22 s for 20,000 entries), while SQLite
ranked well without it. The column held nothing else: everything in it is made from
`name_text` and `body_text`, which stay. A downgrade adds it back and fills it from them
(SQLite never filled it).

PostgreSQL compresses every value over 2 kB (an entry's content, about 4 kB, twice: entry
and version; a search document's text and word list) with its own method, pglz, unless a
column says otherwise. lz4 does the same in a fraction of the time, both ways: an import of
20,000 entries took 11 % less. Values stored before stay as they are (both are read); a
server built without lz4 keeps pglz. A downgrade sets the columns back to the default.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

# revision identifiers, used by Alembic.
revision = "c3e5a7b9d1f4"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None

# The columns whose values are long enough to be compressed.
COMPRESSED = (
    ("algorithms", "content"),
    ("algorithm_versions", "content"),
    ("search_documents", "body_text"),
    ("search_documents", "words"),
)


def _set_compression(method: str) -> None:
    connection = op.get_bind()
    for table, column in COMPRESSED:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}"
        )


def _lz4_available() -> bool:
    """Whether the server was built with lz4 (PostgreSQL 14 and later, most packages)."""
    connection = op.get_bind()
    if connection.dialect.server_version_info < (14,):
        return False
    choices = connection.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return "lz4" in (choices or [])


def upgrade() -> None:
    # SQLite (3.35 and later) drops a column in place: no triggers or indexes use it, so the
    # FTS5 table that reads this table's words is untouched.
    op.drop_column("search_documents", "document")
    if op.get_bind().dialect.name == "postgresql" and _lz4_available():
        _set_compression("lz4")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    column_type = TSVECTOR() if postgresql else sa.Text()
    op.add_column("search_documents", sa.Column("document", column_type, nullable=True))
    if postgresql:
        if op.get_bind().dialect.server_version_info >= (14,):
            _set_compression("default")
        op.execute(
            "UPDATE search_documents SET document = "
            "to_tsvector('dutch', name_text || ' ' || body_text)"
        )
