"""Every publication passes the national standard's rules; retiring keeps the national month.

The national register's v1.0 config allows end_date as a month (YYYY-MM, at most 7
characters). The retire form sent a day and it was stored as such, so the national export
of a retired entry failed its own rules.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal.audit import AuditEvent
from portal.extensions import db
from register import exchange, operations
from register.models import Algorithm, AlgorithmVersion
from register.standard import national_problems, validate_entry
from tests.conftest import entry_data

SCHEMA = "national_rules_migration_check"  # scratch_app's schema on PostgreSQL


def test_retire_takes_a_day_or_a_month_and_refuses_anything_else(publish_entry):
    algorithm = publish_entry(slug="a")
    operations.retire(db.session, algorithm, dt.date(2025, 3, 9))
    assert algorithm.content["end_date"] == "2025-03"
    other = publish_entry(slug="b")
    operations.retire(db.session, other, "2025-04")
    assert other.content["end_date"] == "2025-04"
    third = publish_entry(slug="c")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        operations.retire(db.session, third, "maart")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-12-31"}, "end_date"),  # a day: longer than the national 7
        ({"name": ""}, "name"),
        ({"status": "Misschien"}, "status"),
        ({"description_short": "x" * 401}, "description_short"),
    ],
)
def test_publish_refuses_content_that_fails_the_national_rules(publish_entry, change, field):
    algorithm = publish_entry(slug="a")
    before = dict(algorithm.content)
    versions = db.session.scalar(select(db.func.count()).select_from(AlgorithmVersion))
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    with pytest.raises(operations.PublicationRefusedError) as refused:
        operations.publish(db.session, algorithm, {**algorithm.content, **change}, "kapot")
    assert field in refused.value.problems
    db.session.commit()  # nothing was added, so nothing is written
    db.session.expire_all()
    assert db.session.get(Algorithm, algorithm.id).content == before
    assert db.session.scalar(select(db.func.count()).select_from(AlgorithmVersion)) == versions
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events


def test_formats_the_national_register_does_not_check_still_publish(publish_entry):
    # The importer keeps such values as text (reported); publishing must not refuse them.
    algorithm = publish_entry(slug="a", website="www.utrecht.nl")
    assert algorithm.content["website"] == "www.utrecht.nl"
    assert "website" in validate_entry(algorithm.content)  # our own format check notes it


def _insert(connection, number: int, content: dict) -> None:
    connection.execute(
        text(
            "INSERT INTO algorithms (id, slug, is_published, content, name, sort_name, status, "
            "publication_category, department, organization, source_id, created_at) VALUES "
            "(:id, :slug, true, :content, :name, :name, :status, 'Overige algoritmes', '', "
            "'Gemeente Utrecht', '', CURRENT_TIMESTAMP)"
        ),
        {
            "id": number,
            "slug": f"algoritme-{number}",
            "content": json.dumps(content),
            "name": content["name"],
            "status": content["status"],
        },
    )


def test_migration_gives_retired_entries_the_national_month(scratch_app):
    upgrade(revision="9e5a7b3c2d10")
    retired = {**entry_data(name="Oud"), "status": "Buiten gebruik", "end_date": "2025-06-30"}
    in_use = entry_data(name="Nieuw", begin_date="2021-03")
    month = {**entry_data(name="Maand"), "status": "Buiten gebruik", "end_date": "2024-02"}
    with db.engine.begin() as connection:
        _insert(connection, 1, retired)
        _insert(connection, 2, in_use)
        _insert(connection, 3, month)
    upgrade(revision="a4c6e8f0b2d3")
    with db.engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, content FROM algorithms")).all())
    contents = {
        key: value if isinstance(value, dict) else json.loads(value) for key, value in rows.items()
    }
    assert contents[1] == {**retired, "end_date": "2025-06"}  # everything else kept
    assert contents[2] == in_use
    assert contents[3] == month
    assert all(national_problems(content) == {} for content in contents.values())


def test_an_import_that_would_publish_a_failing_entry_rejects_that_row(app):
    # A draft kept from before (drafts are not checked) carries a day as end_date; a row
    # that updates the entry leaves end_date out, so the merged entry would fail.
    stale = {**entry_data(name="Oud", source_id="S-1"), "end_date": "2025-06-30"}
    algorithm = operations.create_algorithm(db.session, stale, slug="oud")
    db.session.flush()
    operations.save_draft(db.session, algorithm, stale)
    db.session.commit()
    row = dict(entry_data(name="Oud", source_id="S-1"))
    row.pop("end_date")
    report = exchange.import_rows(
        db.session,
        [("regel 1", row)],
        organization="Gemeente Utrecht",
        contact_email="algoritmes@utrecht.nl",
    )
    db.session.commit()
    (rejected,) = report.rejected
    assert rejected[0] == "regel 1"
    assert "end_date" in rejected[1]
    db.session.expire_all()
    assert not db.session.get(Algorithm, algorithm.id).is_published
