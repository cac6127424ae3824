"""Shared by the migration tests: an app on an empty database of its own, for running
`flask_migrate.upgrade`/`downgrade` to chosen revisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db


@contextmanager
def scratch_app(app: Flask, tmp_path, schema: str) -> Iterator[Flask]:
    """A second app on an empty database, inside its app context: on PostgreSQL a schema of
    its own (dropped afterwards) with public behind it on the search path for the pg_trgm
    operators; on SQLite a file in `tmp_path`."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = {}
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
            # Found before public's on the search path, so Alembic starts from nothing here.
            connection.execute(
                text(f"CREATE TABLE {schema}.alembic_version (version_num varchar(32) PRIMARY KEY)")
            )
        options = {"connect_args": {"options": f"-csearch_path={schema},public"}}
    else:
        url = "sqlite:///" + str(tmp_path / "migration.sqlite")
    scratch = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "migration-test",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "JSON_LOGS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with scratch.app_context():
        yield scratch
        db.session.remove()
        db.engine.dispose()
    if url.startswith("postgresql"):
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
