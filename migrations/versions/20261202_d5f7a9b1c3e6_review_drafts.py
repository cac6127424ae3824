"""Draft decisions and verdicts kept on the server while a reviewer comments (issue 12)

Revision ID: d5f7a9b1c3e6
Revises: c4e6f8a0b2d4
Create Date: 2026-12-02 03:40:00

Reserved; filled in by the review-page work.
"""

# revision identifiers, used by Alembic.
revision = "d5f7a9b1c3e6"
down_revision = "c4e6f8a0b2d4"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
