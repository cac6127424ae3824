"""Simultaneous publications of new entries with one name (four approvals at once, found by
the load test on PostgreSQL) each get their own slug; none fails on the unique slug."""

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from register import operations
from register.models import Algorithm
from tests.conftest import entry_data

WRITERS = 6


def test_simultaneous_new_entries_with_one_name_all_publish(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in; the race needs PostgreSQL")
    barrier = threading.Barrier(WRITERS)
    failures: list[str] = []

    def publish_one() -> None:
        with app.app_context():
            session = db.session
            try:
                content = entry_data(name="Zelfde naam")
                barrier.wait(timeout=30)
                algorithm = operations.create_algorithm(session, content)
                session.flush()
                operations.publish(session, algorithm, content, "nieuw")
                session.commit()
            except Exception as error:  # every failure counts against the rule
                session.rollback()
                failures.append(f"{type(error).__name__}: {error}")
            finally:
                session.remove()

    threads = [threading.Thread(target=publish_one) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    slugs = db.session.scalars(select(Algorithm.slug)).all()
    assert len(set(slugs)) == WRITERS
    assert db.session.scalar(select(func.count()).select_from(Algorithm)) == WRITERS
