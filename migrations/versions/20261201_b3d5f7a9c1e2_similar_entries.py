"""Similar entries across organisations and the comparison page (issue 13)

Revision ID: b3d5f7a9c1e2
Revises: a2c4e6f8b0d1
Create Date: 2026-12-01 23:05:00

One row per published entry, written by `flask register similar-index` (and after every
import): its organisation and provider in normalised form (indexed, for /vergelijk) and its
five most similar entries at other organisations (ids and scores), so an entry page reads
one row instead of comparing texts.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.db

# revision identifiers, used by Alembic.
revision = "b3d5f7a9c1e2"
down_revision = "a2c4e6f8b0d1"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = portal.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "entry_profiles",
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("organization_key", sa.String(length=100), nullable=False),
        sa.Column("provider_key", sa.String(length=200), nullable=False),
        sa.Column("neighbours", JSON, nullable=False),
        sa.Column("computed_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithms.id"],
            name=op.f("fk_entry_profiles_algorithm_id_algorithms"),
        ),
        sa.PrimaryKeyConstraint("algorithm_id", name=op.f("pk_entry_profiles")),
    )
    op.create_index(
        "ix_entry_profiles_organization_key", "entry_profiles", ["organization_key"]
    )
    op.create_index(
        "ix_entry_profiles_provider_key", "entry_profiles", ["provider_key", "organization_key"]
    )


def downgrade():
    op.drop_index("ix_entry_profiles_provider_key", table_name="entry_profiles")
    op.drop_index("ix_entry_profiles_organization_key", table_name="entry_profiles")
    op.drop_table("entry_profiles")
