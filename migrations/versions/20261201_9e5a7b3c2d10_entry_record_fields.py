"""Register entries carry their published record's hash and link, written at publication

The entry page used to read the hash (and the assessment's dates) by loading the assessment
records; now publication writes them into the entry. Entries already published get them
from their existing public records here. Only `algorithms` is updated: the records and the
published versions are immutable (their triggers refuse UPDATE), and stay untouched.

Revision ID: 9e5a7b3c2d10
Revises: 8d2f3a6c1e47
Create Date: 2026-12-01 20:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

import portal.db

# revision identifiers, used by Alembic.
revision = "9e5a7b3c2d10"
down_revision = "8d2f3a6c1e47"
branch_labels = None
depends_on = None

UTHIEK_TITLE = "Utrecht Uthiek Assessment"
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("algorithms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("record_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("record_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("record_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("record_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("record_decided_at", portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reassessment_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("earlier_records", JSONType, server_default=sa.text("'[]'"), nullable=False)
        )
    _fill_from_records()


def _fill_from_records():
    """Each published entry's public records, newest first: the first is the entry's record,
    the others its earlier ones (the same order the entry page used)."""
    records = sa.table(
        "assessment_records",
        sa.column("id", sa.Integer),
        sa.column("version_id", sa.Integer),
        sa.column("algorithm_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("sha256", sa.String),
        sa.column("size", sa.Integer),
        sa.column("created_at", portal.db.UTCDateTime()),
    )
    versions = sa.table(
        "assessment_versions",
        sa.column("id", sa.Integer),
        sa.column("assessment_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("decided_at", portal.db.UTCDateTime()),
    )
    assessments = sa.table(
        "assessments", sa.column("id", sa.Integer), sa.column("reassessment_due", sa.Date)
    )
    algorithms = sa.table(
        "algorithms",
        sa.column("id", sa.Integer),
        sa.column("content", JSONType),
        sa.column("record_id", sa.Integer),
        sa.column("record_sha256", sa.String),
        sa.column("record_size", sa.Integer),
        sa.column("record_url", sa.String),
        sa.column("record_version", sa.Integer),
        sa.column("record_decided_at", portal.db.UTCDateTime()),
        sa.column("reassessment_due", sa.Date),
        sa.column("earlier_records", JSONType),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            records.c.id,
            records.c.algorithm_id,
            records.c.sha256,
            records.c.size,
            versions.c.number,
            versions.c.decided_at,
            assessments.c.reassessment_due,
        )
        .select_from(
            records.join(versions, versions.c.id == records.c.version_id).join(
                assessments, assessments.c.id == versions.c.assessment_id
            )
        )
        .where(records.c.kind == "public", records.c.algorithm_id.is_not(None))
        .order_by(records.c.algorithm_id, records.c.created_at.desc(), records.c.id.desc())
    ).all()
    by_algorithm = {}
    for row in rows:
        by_algorithm.setdefault(row.algorithm_id, []).append(row)
    for algorithm_id, found in by_algorithm.items():
        latest, earlier = found[0], found[1:]
        content = connection.execute(
            sa.select(algorithms.c.content).where(algorithms.c.id == algorithm_id)
        ).scalar_one()
        link = next(
            (
                item.get("link")
                for item in (content or {}).get("impacttoetsen_grouping") or []
                if isinstance(item, dict) and item.get("title") == UTHIEK_TITLE
            ),
            None,
        )
        connection.execute(
            algorithms.update()
            .where(algorithms.c.id == algorithm_id)
            .values(
                record_id=latest.id,
                record_sha256=latest.sha256,
                record_size=latest.size,
                record_url=link,
                record_version=latest.number,
                record_decided_at=latest.decided_at,
                reassessment_due=latest.reassessment_due,
                earlier_records=[
                    {
                        "id": row.id,
                        "sha256": row.sha256,
                        "version": row.number,
                        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
                    }
                    for row in earlier
                ],
            )
        )


def downgrade():
    with op.batch_alter_table("algorithms", schema=None) as batch_op:
        batch_op.drop_column("earlier_records")
        batch_op.drop_column("reassessment_due")
        batch_op.drop_column("record_decided_at")
        batch_op.drop_column("record_version")
        batch_op.drop_column("record_url")
        batch_op.drop_column("record_size")
        batch_op.drop_column("record_sha256")
        batch_op.drop_column("record_id")
