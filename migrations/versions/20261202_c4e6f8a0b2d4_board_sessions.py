"""Board sessions per submitted version, and monitoring thresholds set by the board (issue 12)

Revision ID: c4e6f8a0b2d4
Revises: b3d5f7a9c1e2
Create Date: 2026-12-02 03:40:00

Reserved; filled in by the board-session work.
"""

# revision identifiers, used by Alembic.
revision = "c4e6f8a0b2d4"
down_revision = "b3d5f7a9c1e2"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
