"""Indexes for the register's cold path (issue 14)

List pages sorted by name or by date read a covering index (the facet filters are checked
in the index, without table lookups).

Revision ID: c6e8a0b2d4f7
Revises: b5d7f9a1c3e6
Create Date: 2026-12-01 22:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c6e8a0b2d4f7"
down_revision = "b5d7f9a1c3e6"
branch_labels = None
depends_on = None

_FILTERS = ["status", "publication_category", "department", "risk_level"]
INDEXES = {
    "ix_algorithms_list_by_name": ["is_published", "sort_name", "id", *_FILTERS],
    "ix_algorithms_list_by_date": ["is_published", "published_at", "id", *_FILTERS],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "algorithms", columns)
    if op.get_context().dialect.name == "sqlite":
        op.execute("ANALYZE")  # lets SQLite choose between the facet and the sort indexes
    else:
        op.execute("ANALYZE algorithms")


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="algorithms")
