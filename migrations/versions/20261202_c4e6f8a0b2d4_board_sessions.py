"""Board sessions per submitted version, and monitoring thresholds set by the board (issue 12)

Revision ID: c4e6f8a0b2d4
Revises: b3d5f7a9c1e2
Create Date: 2026-12-02 03:40:00

A new table `board_sessions` (nothing to carry along: sessions were not recorded before).
The board's verdict gains the monitoring thresholds it sets (existing verdicts set none:
their approvals keep the level's defaults they were fixed with), and the fixed thresholds
of an approval say which keys the board set (existing rows: none, source 'approval' or
'board' as before). Downgrading drops only what this revision added.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.db  # noqa: F401 - column types

# revision identifiers, used by Alembic.
revision = "c4e6f8a0b2d4"
down_revision = "b3d5f7a9c1e2"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = portal.db.UTCDateTime(timezone=True)


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    op.create_table(
        "board_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("member_ids", JSON, nullable=False),
        sa.Column("participants", JSON, nullable=False),
        sa.Column("dilemmas", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("what_changed", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("board_sessions", "assessment_id", "assessments"),
        _fk("board_sessions", "version_id", "assessment_versions"),
        _fk("board_sessions", "created_by_id", "users"),
        _fk("board_sessions", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_sessions")),
    )
    with op.batch_alter_table("board_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_board_sessions_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_board_sessions_version_id"), ["version_id"], unique=False
        )

    # Existing verdicts set no thresholds; existing fixed thresholds have no board keys.
    with op.batch_alter_table("assessment_verdicts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("monitoring_thresholds", JSON, server_default=sa.text("'{}'"), nullable=False)
        )
    with op.batch_alter_table("monitoring_thresholds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("board_keys", JSON, server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("monitoring_thresholds", schema=None) as batch_op:
        batch_op.drop_column("board_keys")
    with op.batch_alter_table("assessment_verdicts", schema=None) as batch_op:
        batch_op.drop_column("monitoring_thresholds")
    with op.batch_alter_table("board_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_sessions_version_id"))
        batch_op.drop_index(batch_op.f("ix_board_sessions_assessment_id"))
    op.drop_table("board_sessions")
