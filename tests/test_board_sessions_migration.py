"""Migration c4e6f8a0b2d4 (board sessions, board-set thresholds) on a database with an
approved assessment, its verdict and its fixed thresholds: up keeps every row and adds what
is new (no thresholds set by the board on an existing verdict), down drops only what it
added and keeps the rows."""

from __future__ import annotations

import datetime as dt
import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests import migration_helpers

BEFORE, THIS = "b3d5f7a9c1e2", "c4e6f8a0b2d4"
SCHEMA = "board_sessions_migration_check"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def _insert(connection, table: str, **values) -> None:
    migration_helpers.insert_row(connection, table, SCHEMA, **values)


def _json(value):
    return value if not isinstance(value, str) else json.loads(value)


def test_sessions_and_board_thresholds_migrate_up_and_down_keeping_the_rows(scratch_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _insert(connection, "users", id=1, email="k@utrecht.nl", name="Kim", active=True)
        _insert(
            connection,
            "assessments",
            id=1,
            owner_id=1,
            status="approved",
            bank_id="uthiek",
            bank_version=2,
            register_fields='{"name": "Slim vegen"}',
            answers="{}",
            editor_ids="[]",
        )
        _insert(
            connection,
            "assessment_versions",
            id=1,
            assessment_id=1,
            number=1,
            bank_id="uthiek",
            bank_version=2,
            answers="{}",
            register_fields="{}",
            risk="{}",
            risk_level=2,
            submitted_by_id=1,
            outcome="approved",
        )
        _insert(
            connection,
            "assessment_verdicts",
            id=1,
            version_id=1,
            author_id=1,
            want_this="Ja.",
            explain_to_residents="Ja.",
            advice="positive",
            reasons="Goed.",
        )
        _insert(
            connection,
            "monitoring_thresholds",
            assessment_id=1,
            values='{"max_complaints": 15}',
            source="approval",
        )

    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        verdict = connection.execute(
            text("SELECT reasons, monitoring_thresholds FROM assessment_verdicts")
        ).one()
        assert verdict.reasons == "Goed."
        assert _json(verdict.monitoring_thresholds) == {}  # the board set none then
        fixed = connection.execute(
            text('SELECT source, board_keys, "values" FROM monitoring_thresholds')
        ).one()
        assert (fixed.source, _json(fixed.board_keys)) == ("approval", [])
        assert _json(fixed.values) == {"max_complaints": 15}
        _insert(
            connection,
            "board_sessions",
            id=1,
            assessment_id=1,
            version_id=1,
            held_on=NOW.date(),
            member_ids="[1]",
            participants='[{"name": "Sanne", "role": "team_member"}]',
            dilemmas="Meldingen uit wrok?",
        )
        assert connection.execute(text("SELECT count(*) FROM board_sessions")).scalar() == 1

    downgrade(revision=BEFORE)
    schema = SCHEMA if db.engine.dialect.name == "postgresql" else None
    tables = inspect(db.engine).get_table_names(schema=schema)
    assert "board_sessions" not in tables
    columns = {
        c["name"] for c in inspect(db.engine).get_columns("assessment_verdicts", schema=schema)
    }
    assert "monitoring_thresholds" not in columns
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT reasons FROM assessment_verdicts")).scalar() == (
            "Goed."
        )
        assert connection.execute(text("SELECT source FROM monitoring_thresholds")).scalar() == (
            "approval"
        )
    upgrade(revision=THIS)  # and up again
    assert "board_sessions" in inspect(db.engine).get_table_names(schema=schema)
