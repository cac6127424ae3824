"""Draft decisions and verdicts kept on the server while a reviewer comments (issue 12)

Revision ID: d5f7a9b1c3e6
Revises: c4e6f8a0b2d4
Create Date: 2026-12-02 03:40:00

A new, empty table: no existing data to carry along; downgrade drops the drafts (they are
half-written forms, nothing decided).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.db

# revision identifiers, used by Alembic.
revision = "d5f7a9b1c3e6"
down_revision = "c4e6f8a0b2d4"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "review_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["assessment_versions.id"],
            name=op.f("fk_review_drafts_version_id_assessment_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_review_drafts_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_drafts")),
        sa.UniqueConstraint(
            "version_id", "reviewer_id", "kind", name=op.f("uq_review_drafts_version_id")
        ),
    )
    with op.batch_alter_table("review_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_drafts_reviewer_id"), ["reviewer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("review_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_drafts_reviewer_id"))
    op.drop_table("review_drafts")
