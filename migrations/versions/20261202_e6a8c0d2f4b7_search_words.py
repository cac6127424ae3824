"""Search speed on the cold path (issue 14)

Revision ID: e6a8c0d2f4b7
Revises: d5f7a9b1c3e6
Create Date: 2026-12-02 03:40:00

No schema change: the speed work of this release (the bulk importer, the page cache's one
generation query) needed none. The revision stays so that the chain is unbroken for every
database that already upgraded to it.
"""

# revision identifiers, used by Alembic.
revision = "e6a8c0d2f4b7"
down_revision = "d5f7a9b1c3e6"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
