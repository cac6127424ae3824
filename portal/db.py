"""Declarative base and column types shared by every model."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, DateTime, Engine, MetaData, TypeDecorator, event, text
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations reviewable on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every database (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, connection_record) -> None:
    """SQLite serves several server workers: readers do not wait for writers (WAL), and a
    writer waits for the lock instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite's advice for WAL: a commit is atomic and consistent without a sync per
        # commit (the WAL is synced at checkpoints); only power loss can undo a last commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


# The migration 7c4d1e9b2a85 names every trigger that keeps history rows immutable like this.
IMMUTABLE_TRIGGER_PREFIX = "immutable_"


def begin_sqlite_transaction(connection: Connection) -> None:
    """Open the transaction now. Python's sqlite3 only starts one before INSERT/UPDATE/
    DELETE, so SELECTs and DDL would otherwise each run on their own."""
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")


@contextmanager
def history_unlocked(connection: Connection) -> Iterator[None]:
    """Within the caller's transaction, drop the immutability triggers and recreate them
    before it ends. For wiping a test database only (its DELETE/TRUNCATE of every table).

    Both databases have transactional DDL: other connections never see the tables without
    their triggers, and an error rolls the drop back. The application never calls this;
    doing it takes a deliberate call and the right to drop triggers, unlike a stray UPDATE.
    """
    pattern = IMMUTABLE_TRIGGER_PREFIX.replace("_", r"\_") + "%"
    if connection.dialect.name == "sqlite":
        begin_sqlite_transaction(connection)
        triggers = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                r"AND name LIKE :pattern ESCAPE '\'"
            ),
            {"pattern": pattern},
        ).all()
        drops = [f'DROP TRIGGER "{name}"' for name, _sql in triggers]
        creates = [sql for _name, sql in triggers]
    elif connection.dialect.name == "postgresql":
        triggers = connection.execute(
            text(
                "SELECT t.tgname, t.tgrelid::regclass::text, pg_get_triggerdef(t.oid) "
                "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE :pattern "
                "AND c.relnamespace = current_schema()::regnamespace"
            ),
            {"pattern": pattern},
        ).all()
        drops = [f'DROP TRIGGER "{name}" ON {table}' for name, table, _sql in triggers]
        creates = [sql for _name, _table, sql in triggers]
    else:
        drops = creates = []
    for statement in drops:
        connection.exec_driver_sql(statement)
    yield
    for statement in creates:
        connection.exec_driver_sql(statement)
