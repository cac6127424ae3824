"""The board's verdict, the director's decision and conditions as objects (issue 12)

Revision ID: a2c4e6f8b0d1
Revises: f9b1d3e5a7c0
Create Date: 2026-12-01 23:00:00

Existing approved versions keep their history: the conditions their approving reviews set
become condition objects (open; overdue once their deadline passed) and each published
entry gets the public list of its latest approved version's conditions. They have no
verdict or director's decision (both stay empty: approved before these existed).
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.db

# revision identifiers, used by Alembic.
revision = "a2c4e6f8b0d1"
down_revision = "f9b1d3e5a7c0"
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
        "assessment_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("want_this", sa.Text(), nullable=False),
        sa.Column("explain_to_residents", sa.Text(), nullable=False),
        sa.Column("advice", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("assessment_verdicts", "version_id", "assessment_versions"),
        _fk("assessment_verdicts", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_verdicts")),
        sa.UniqueConstraint("version_id", name=op.f("uq_assessment_verdicts_version_id")),
    )
    op.create_table(
        "director_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("director_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("advice", sa.String(length=30), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("director_decisions", "version_id", "assessment_versions"),
        _fk("director_decisions", "director_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_director_decisions")),
        sa.UniqueConstraint("version_id", name=op.f("uq_director_decisions_version_id")),
    )
    op.create_table(
        "assessment_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.String(length=500), nullable=False),
        sa.Column("evidence_file_name", sa.String(length=200), nullable=False),
        sa.Column("evidence_file_type", sa.String(length=100), nullable=False),
        sa.Column("evidence_file", sa.LargeBinary(), nullable=True),
        sa.Column("evidence_at", WHEN, nullable=True),
        sa.Column("waive_reason", sa.Text(), nullable=False),
        sa.Column("reminded_before_on", sa.Date(), nullable=True),
        sa.Column("reminded_overdue_on", sa.Date(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("assessment_conditions", "assessment_id", "assessments"),
        _fk("assessment_conditions", "review_id", "reviews"),
        _fk("assessment_conditions", "set_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_conditions")),
    )
    op.create_table(
        "assessment_condition_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("assessment_condition_events", "condition_id", "assessment_conditions"),
        _fk("assessment_condition_events", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_condition_events")),
    )
    for table, columns in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    with op.batch_alter_table("algorithms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict", JSON, nullable=True))
        batch_op.add_column(sa.Column("director_decision", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("conditions", JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(sa.Column("advice_updated_at", WHEN, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_algorithms_advice_updated_at"), ["advice_updated_at"], unique=False
        )
    _carry_conditions_along()


INDEXES = {
    "assessment_conditions": ("assessment_id", "deadline", "status"),
    "assessment_condition_events": ("condition_id",),
}


def _as_list(value):
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return value or []


def _carry_conditions_along():
    """The conditions of approved versions' approving reviews become objects."""
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    conditions = sa.table(
        "assessment_conditions",
        *(
            sa.column(name)
            for name in (
                "assessment_id",
                "version_number",
                "review_id",
                "set_by_id",
                "text",
                "owner",
                "deadline",
                "status",
                "evidence_text",
                "evidence_link",
                "evidence_file_name",
                "evidence_file_type",
                "waive_reason",
                "created_at",
                "updated_at",
            )
        ),
    )
    rows = bind.execute(
        sa.text(
            "SELECT v.assessment_id, v.number, r.id, r.reviewer_id, r.conditions, a.algorithm_id "
            "FROM reviews r JOIN assessment_versions v ON v.id = r.version_id "
            "JOIN assessments a ON a.id = v.assessment_id "
            "WHERE v.outcome = 'approved' AND r.decision IN ('approve', 'approve_with_conditions') "
            "ORDER BY v.assessment_id, v.number, r.id"
        )
    ).fetchall()
    public = {}  # algorithm id -> (version number, [conditions])
    for assessment_id, number, review_id, reviewer_id, raw, algorithm_id in rows:
        for item in _as_list(raw):
            if not isinstance(item, dict):
                continue
            try:
                deadline = dt.date.fromisoformat(item.get("deadline") or "")
            except ValueError:
                deadline = None
            status = "overdue" if deadline is not None and deadline < today else "open"
            bind.execute(
                conditions.insert().values(
                    assessment_id=assessment_id,
                    version_number=number,
                    review_id=review_id,
                    set_by_id=reviewer_id,
                    text=item.get("text") or "",
                    owner=(item.get("owner") or "")[:200],
                    deadline=deadline,
                    status=status,
                    evidence_text="",
                    evidence_link="",
                    evidence_file_name="",
                    evidence_file_type="",
                    waive_reason="",
                    created_at=now,
                    updated_at=now,
                )
            )
            if algorithm_id is not None:
                seen = public.get(algorithm_id)
                if seen is None or seen[0] < number:
                    public[algorithm_id] = seen = (number, [])
                if seen[0] == number:
                    seen[1].append(
                        {
                            "text": item.get("text") or "",
                            "deadline": deadline.isoformat() if deadline else None,
                            "status": status,
                        }
                    )
    algorithms = sa.table(
        "algorithms",
        sa.column("id"),
        sa.column("conditions", JSON),
        sa.column("advice_updated_at", WHEN),
    )
    for algorithm_id, (_number, items) in public.items():
        bind.execute(
            algorithms.update()
            .where(algorithms.c.id == algorithm_id)
            .values(conditions=items, advice_updated_at=now)
        )


def downgrade():
    with op.batch_alter_table("algorithms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_algorithms_advice_updated_at"))
        for column in ("advice_updated_at", "conditions", "director_decision", "verdict"):
            batch_op.drop_column(column)
    for table, columns in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    for table in (
        "assessment_condition_events",
        "assessment_conditions",
        "director_decisions",
        "assessment_verdicts",
    ):
        op.drop_table(table)
