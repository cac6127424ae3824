"""Migration 3f1a9c0e7b21 on a register that overlapping imports left with duplicates."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db

BEFORE, THIS = "9c1c21cc8dd6", "3f1a9c0e7b21"
SCHEMA = "identity_migration_check"


def _insert(connection, number: int, organization: str, source_id: str) -> None:
    content = {"name": f"Algoritme {number}", "source_id": source_id, "organization": organization}
    connection.execute(
        text(
            "INSERT INTO algorithms (id, slug, is_published, content, name, sort_name, status, "
            "publication_category, department, organization, source_id, created_at) VALUES "
            "(:id, :slug, true, :content, :name, :name, 'In gebruik', 'Overige algoritmes', '', "
            ":organization, :source_id, CURRENT_TIMESTAMP)"
        ),
        {
            "id": number,
            "slug": f"algoritme-{number}",
            "content": json.dumps(content),
            "name": content["name"],
            "organization": organization,
            "source_id": source_id,
        },
    )


def test_existing_duplicate_source_ids_become_unique_without_losing_an_entry(scratch_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _insert(connection, 1, "Gemeente Zwolle", "S-1")
        _insert(connection, 2, "Gemeente Zwolle", "S-1")
        _insert(connection, 3, "Gemeente Zwolle", "S-1")
        _insert(connection, 4, "Gemeente Amersfoort", "S-1")  # another organisation: allowed
        _insert(connection, 5, "Gemeente Zwolle", "")
        _insert(connection, 6, "Gemeente Zwolle", "")  # empty source_ids are no identity
    upgrade(revision=THIS)
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, organization, source_id, content, lars FROM algorithms ORDER BY id")
        ).all()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5, 6]
    source_ids = {r.id: r.source_id for r in rows}
    assert source_ids[1] == "S-1"  # the oldest keeps it
    assert source_ids[4] == "S-1"
    assert source_ids[2] != "S-1"
    assert source_ids[3] != "S-1"
    assert source_ids[2].startswith("S-1")
    assert len({source_ids[1], source_ids[2], source_ids[3]}) == 3
    for r in rows:
        content = r.content if isinstance(r.content, dict) else json.loads(r.content)
        assert content["source_id"] == r.source_id  # the column and the content agree
        assert r.lars == ""
    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("algorithms")}
    assert indexes["uq_algorithms_organization_source_id"]["unique"]
    assert indexes["uq_algorithms_lars"]["unique"]

    downgrade(revision=BEFORE)
    assert "lars" not in {c["name"] for c in inspect(db.engine).get_columns("algorithms")}
