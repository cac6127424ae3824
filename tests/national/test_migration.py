"""Migration b5d7f9a1c3e6 (national_deliveries) up and down on a register with entries."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.test_import_identity_migration import SCHEMA  # its schema for scratch_app

BEFORE, THIS = "a4c6e8f0b2d3", "b5d7f9a1c3e6"


def _entries(connection) -> list[tuple]:
    return [
        tuple(row)
        for row in connection.execute(text("SELECT id, slug, lars FROM algorithms ORDER BY id"))
    ]


def test_the_deliveries_table_comes_and_goes_and_entries_stay(scratch_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO algorithms (id, slug, is_published, content, name, sort_name, "
                "status, publication_category, department, organization, source_id, lars, "
                "created_at) VALUES (1, 'parkeren', true, :content, 'Parkeren', 'parkeren', "
                "'In gebruik', 'Overige algoritmes', '', 'Gemeente Utrecht', '', '12345678', "
                "CURRENT_TIMESTAMP)"
            ),
            {"content": json.dumps({"name": "Parkeren"})},
        )
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        assert _entries(connection) == [(1, "parkeren", "12345678")]
        connection.execute(
            text("INSERT INTO national_deliveries (algorithm_id, last_error) VALUES (1, 'x')")
        )
        row = connection.execute(text("SELECT * FROM national_deliveries")).mappings().one()
    assert row["delivered_digest"] == ""
    assert not row["released"]
    assert not row["national_edited"]

    downgrade(revision=BEFORE)
    schema = SCHEMA if db.engine.dialect.name == "postgresql" else None
    assert "national_deliveries" not in inspect(db.engine).get_table_names(schema=schema)
    assert "algorithms" in inspect(db.engine).get_table_names(schema=schema)
    with db.engine.connect() as connection:
        assert _entries(connection) == [(1, "parkeren", "12345678")]
