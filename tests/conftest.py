"""Test set-up: the suite runs against the database named by TEST_DATABASE_URL.

`sqlite` (the default) uses a fresh file; a PostgreSQL URL gets its `public` schema reset.
Either way the schema is built by the real migrations, and every test starts empty.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from flask import g
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.auth import operations as accounts
from portal.auth import passwords
from portal.auth.session import LOGIN_AT_KEY
from portal.db import history_unlocked, utcnow
from portal.extensions import cache, db, limiter
from register import operations
from register.standard import clean_entry

# ../shared/ (the national standard and register data) sits beside the project in CI and
# development, not in users' clones; the tests that read it skip (visibly) where it is absent.
# Argon2's own parameters for tests: the suite creates thousands of accounts, and the
# production cost (64 MiB, three passes) per account was a large part of its time.
passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    return url


def _engine_options(url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # The tests never survive a server crash, so commits need not wait for the disk.
        options["connect_args"] = {"connect_timeout": 5, "options": "-c synchronous_commit=off"}
    return options


def _fresh_request_globals() -> None:
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(url),
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": "register.test",
            "SESSION_COOKIE_SECURE": False,
            "JSON_LOGS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    # Tests keep an app context open, and Flask reuses it for the test client's requests;
    # start every request with an empty `g` as a real server would (login, locale, CSRF).
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(app):
    """Every test starts from an empty, migrated database and fresh rate limits."""
    with app.app_context():
        limiter.reset()
        cache.clear()  # the wiped database reuses version ids, which the page cache keys on
        yield
        db.session.rollback()
        wipe_database()


_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
)


def wipe_database() -> None:
    """Delete every row of every table (inside an app context).

    History rows are immutable in the database (triggers); the wipe lifts that for its own
    transaction only (`history_unlocked`)."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection, history_unlocked(connection):
        # DELETE, children first, not TRUNCATE: on PostgreSQL a TRUNCATE of every table
        # costs over half a second, which across the suite is minutes.
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))
        if connection.dialect.name == "postgresql":
            # Ids start at 1 again, as TRUNCATE ... RESTART IDENTITY did.
            connection.execute(_RESTART_SEQUENCES)


def entry_data(**overrides) -> dict:
    """A valid register entry, with the fields a test cares about overridden."""
    base = {
        "name": "Parkeervergunning",
        "description_short": (
            "Het algoritme controleert of een aanvraag voor een parkeervergunning klopt."
        ),
        "organization": "Gemeente Utrecht",
        "department": "Mobiliteit",
        "category": ["Verkeer"],
        "status": "In gebruik",
        "begin_date": "2021-03",
        "contact_email": "algoritmes@utrecht.nl",
        "publication_category": "Impactvolle algoritmes",
        "goal": "<p>Vergunningen sneller en eerlijk toekennen.</p>",
        "objection_procedure": "<p>Maak binnen zes weken bezwaar.</p>",
        "lang": "nld",
        "standard_version": "1.0",
    }
    base.update(overrides)
    entry, _ignored = clean_entry(base)
    return entry


@pytest.fixture
def scratch_app(app, tmp_path, request):
    """For migration tests: a second app on an empty database of its own (on PostgreSQL a
    schema of its own, named by the test module's SCHEMA)."""
    from tests import migration_helpers

    with migration_helpers.scratch_app(app, tmp_path, request.module.SCHEMA) as scratch:
        yield scratch


@pytest.fixture
def publish_entry(app):
    """Publish an entry and commit; returns the Algorithm."""

    def _publish(slug: str | None = None, summary: str = "", **overrides):
        content = entry_data(**overrides)
        algorithm = operations.create_algorithm(db.session, content, slug=slug)
        db.session.flush()
        operations.publish(db.session, algorithm, content, summary)
        db.session.commit()
        return algorithm

    return _publish


PASSWORD = "paarse olifant danst op de Dom"
ROLE_USERS = {
    "submitter": ("data@utrecht.nl", "Dana Data", {"submitter"}),
    "other_submitter": ("ander@utrecht.nl", "Anton Ander", {"submitter"}),
    "reviewer": ("klankbord@utrecht.nl", "Kim Klankbord", {"reviewer"}),
    "privacy_officer": ("privacy@utrecht.nl", "Pim Privacy", {"privacy_officer"}),
    "admin": ("beheer@utrecht.nl", "Bea Beheer", {"admin"}),
}


@pytest.fixture
def users(app) -> dict:
    """One account per role (plus a second submitter), all with PASSWORD."""
    created = {}
    for key, (email, name, roles) in ROLE_USERS.items():
        created[key] = accounts.create_user(db.session, None, email, name, roles, password=PASSWORD)
    db.session.commit()
    return created


@pytest.fixture
def login_as(client):
    """Log a user in on the test client without going through the form."""

    from flask_login.utils import _create_identifier

    def _login(user):
        # Flask-Login's strong protection ties the session to the client's address and agent.
        with client.application.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
            session[LOGIN_AT_KEY] = utcnow().timestamp()
        return user

    return _login


def csrf_token_from(response) -> str:
    import re

    match = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', response.get_data(as_text=True)
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def invite_nina(client):
    """An admin (already logged in on `client`) invites Nina Nieuw as a reviewer by the form."""
    page = client.get("/intern/beheer/gebruikers")
    return client.post(
        "/intern/beheer/gebruikers",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "nieuw@utrecht.nl",
            "name": "Nina Nieuw",
            "roles": ["reviewer"],
        },
    )
