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


def test_two_publications_adding_the_same_new_search_word_both_commit(app):
    """Two entries published at once that bring the same new word: the second waits for
    the first and then skips the word, instead of failing on the vocabulary's key."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in; the race needs PostgreSQL")
    from register import search
    from register.models import SearchTerm

    first_wrote = threading.Event()
    failures: list[str] = []

    def first() -> None:
        with app.app_context():
            try:
                search.add_vocabulary(db.session, {"klimaatadaptatie"})
                db.session.flush()  # the row is written, its key held until the commit
                first_wrote.set()
                threading.Event().wait(0.5)  # the second is now waiting for this key
                db.session.commit()
            except Exception as error:
                failures.append(f"first: {type(error).__name__}: {error}")
            finally:
                first_wrote.set()
                db.session.remove()

    def second() -> None:
        with app.app_context():
            try:
                first_wrote.wait(timeout=30)
                search.add_vocabulary(db.session, {"klimaatadaptatie", "hittestress"})
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                failures.append(f"second: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    terms = set(db.session.scalars(select(SearchTerm.term)))
    assert {"klimaatadaptatie", "hittestress"} <= terms
