"""Shared by the migration tests: an app on an empty database of its own, for running
`flask_migrate.upgrade`/`downgrade` to chosen revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.extensions import db

FILLER_TIME = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


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


def _filler(column) -> object:
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return FILLER_TIME
    if isinstance(kind, sa.Date):
        return FILLER_TIME.date()
    if isinstance(kind, sa.JSON) or "JSON" in type(kind).__name__.upper():
        return "{}"
    return ""


def insert_row(connection, table: str, schema: str, **values) -> None:
    """A row with `values`, every other required column filled with a plain value (so a
    migration test does not depend on columns other revisions added to its tables).
    `schema` is the scratch schema on PostgreSQL, ignored on SQLite."""
    schema_name = schema if connection.dialect.name == "postgresql" else None
    for column in inspect(connection).get_columns(table, schema=schema_name):
        if column["name"] in values or column["nullable"] or column.get("default") is not None:
            continue
        if column.get("autoincrement") is True and column["name"] == "id":
            continue
        values[column["name"]] = _filler(column)
    names = ", ".join(f'"{name}"' for name in values)  # "values" is a reserved word
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def insert_search_document(
    connection, schema: str, entry_id: int, name: str, body_text: str, **document
) -> None:
    """A published entry named `name` and its search document with `body_text` (and the
    other columns the test's revision has, in `document`)."""
    insert_row(
        connection, "algorithms", schema, id=entry_id, slug=f"e{entry_id}", name=name,
        is_published=True, content="{}",
    )  # fmt: skip
    insert_row(
        connection, "search_documents", schema, algorithm_id=entry_id, name_text=name,
        body_text=body_text, **document,
    )  # fmt: skip
