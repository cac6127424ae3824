"""`flask --app wsgi backup FILE` and `restore FILE`: the whole database, stored records
included, as one portable gzip'd JSON-lines file.

Portable on purpose: a SQLite backup restores into PostgreSQL and back. The search index is
not copied but rebuilt from the published entries on restore. The first line is a manifest
with, per table, the row count and a SHA-256 over its rows.

Every row is read in one snapshot (PostgreSQL: one REPEATABLE READ, read-only transaction;
SQLite: one read transaction on one connection), so a backup taken while people work is one
consistent moment. The file is read back and checked before `backup` reports success.
Restore checks the whole file before it writes a row, and again while loading, so a damaged
or incomplete file changes nothing and gets a readable message. Restore only inserts into an
empty database, so the immutability triggers (which refuse UPDATE and DELETE) do not hinder it.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Date, DateTime, Engine, LargeBinary, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from portal.db import begin_sqlite_transaction
from portal.extensions import db

FORMAT = "utrecht-algoritmeregister-backup"
FORMAT_VERSION = 1
# Rebuilt on restore from the published entries (and dialect-specific: PostgreSQL's word
# arrays, SQLite's FTS5 index).
DERIVED_TABLES = frozenset({"search_documents", "search_terms"})


class BackupError(RuntimeError):
    pass


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def _base_type(column):
    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def _encode(column, value):
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _decode(column, value):
    if value is None:
        return None
    kind = _base_type(column)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def _row_hash(digest, row: dict) -> None:
    digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def table_hashes(session: Session | Connection) -> dict[str, dict]:
    """Per table: row count and SHA-256 over its rows in primary-key order, as encoded."""
    result = {}
    for table, rows in _dump_rows(session):
        digest = hashlib.sha256()
        count = 0
        for row in rows:
            _row_hash(digest, row)
            count += 1
        result[table.name] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _dump_rows(source: Session | Connection) -> Iterator[tuple]:
    for table in _tables():
        statement = select(table).order_by(*table.primary_key.columns)
        rows = (
            {c.name: _encode(c, row._mapping[c]) for c in table.columns}
            for row in source.execute(statement.execution_options(yield_per=500))
        )
        yield table, rows


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees the database as of its first read, so rows
    committed by people working meanwhile are either wholly in the backup or not at all."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            # SQLite: every SELECT below runs in this one read transaction (WAL snapshot).
            begin_sqlite_transaction(connection)
            yield connection


def backup(session: Session, path: Path) -> dict[str, dict]:
    """Write the backup from one consistent snapshot, read it back and check it; returns
    its manifest. The file appears under `path` only once it has been verified."""
    path = Path(path)
    rows_part = path.with_name(path.name + ".rows.partial")
    whole = path.with_name(path.name + ".partial")
    try:
        manifest = {}
        # One pass: rows are hashed as they are written; the manifest goes in front as its
        # own gzip member (a gzip file may hold several; readers see one stream).
        with (
            _snapshot(session.get_bind()) as connection,
            gzip.open(rows_part, "wt", encoding="utf-8") as out,
        ):
            for table, rows in _dump_rows(connection):
                digest, count = hashlib.sha256(), 0
                for row in rows:
                    _row_hash(digest, row)
                    count += 1
                    out.write(json.dumps({"t": table.name, "r": row}, ensure_ascii=False))
                    out.write("\n")
                manifest[table.name] = {"rows": count, "sha256": digest.hexdigest()}
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "tables": manifest,
        }
        with open(whole, "wb") as out:
            out.write(gzip.compress((json.dumps(header) + "\n").encode("utf-8")))
            with open(rows_part, "rb") as rows_file:
                shutil.copyfileobj(rows_file, out)
            out.flush()
            os.fsync(out.fileno())
        if verify(whole) != manifest:
            raise BackupError(f"the backup read back from {path} differs from what was written")
        os.replace(whole, path)
    except OSError as error:
        raise BackupError(f"cannot write the backup to {path}: {error}") from error
    finally:
        rows_part.unlink(missing_ok=True)
        whole.unlink(missing_ok=True)
    return manifest


# What reading a damaged file can raise: gzip (BadGzipFile is an OSError, a cut-off stream
# EOFError, bad deflate data zlib.error), UTF-8 and JSON (ValueError), and a line of the
# wrong shape (KeyError, TypeError, AttributeError).
_DAMAGE = (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError)


def _read(path: Path) -> Iterator[tuple[str | None, dict]]:
    """Yield (None, header), then (table name, row) per line. Damage raises BackupError."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline())
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise BackupError(f"{path} is not a backup of this application (or is damaged)")
            if header.get("version") != FORMAT_VERSION:
                raise BackupError(f"{path} has backup format version {header.get('version')}")
            if not isinstance(header.get("tables"), dict):
                raise BackupError(f"{path} is damaged: its manifest is unreadable")
            yield None, header
            for line in source:
                item = json.loads(line)
                if not isinstance(item["r"], dict):
                    raise TypeError("a row is not an object")
                yield str(item["t"]), item["r"]
    except _DAMAGE as error:
        raise BackupError(
            f"{path} is damaged or incomplete ({type(error).__name__}: {error})"
        ) from error


def _check(path: Path, rows: Iterator[tuple[str | None, dict]], on_row=None) -> dict[str, dict]:
    """Count and hash every row; BackupError unless each table matches the manifest."""
    known = {t.name for t in _tables()}
    header = next(rows)[1]
    digests: dict = {}
    counts: dict[str, int] = {}
    for name, row in rows:
        if name not in known:
            raise BackupError(f"{path} has a table this version lacks: {name}")
        _row_hash(digests.setdefault(name, hashlib.sha256()), row)
        counts[name] = counts.get(name, 0) + 1
        if on_row is not None:
            on_row(name, row)
    expected = header["tables"]
    unknown = set(expected) - known
    if unknown:
        raise BackupError(f"the backup has tables this version lacks: {sorted(unknown)}")
    for name in sorted(set(expected) | set(counts)):
        actual = {
            "rows": counts.get(name, 0),
            "sha256": digests.get(name, hashlib.sha256()).hexdigest(),
        }
        listed = expected.get(name)
        if actual != listed:
            wanted = listed.get("rows") if isinstance(listed, dict) else None
            raise BackupError(
                f"{path} is damaged or incomplete: table {name} does not match the manifest "
                f"({actual['rows']} rows read, {wanted} expected)"
            )
    return expected


def verify(path: Path) -> dict[str, dict]:
    """Read the whole file and check every table against its manifest; returns the manifest."""
    return _check(path, _read(path))


def _is_empty(session: Session) -> bool:
    return all(not session.scalar(select(func.count()).select_from(table)) for table in _tables())


def restore(session: Session, path: Path) -> dict[str, dict]:
    """Load a backup into an empty, migrated database, all or nothing: the whole file is
    checked before the first row is written, and again while it is loaded."""
    if not _is_empty(session):
        raise BackupError("the database is not empty; restore only into a fresh database")
    verify(path)
    tables = {t.name: t for t in _tables()}
    batch: list[dict] = []
    current: list = [None]

    def insert(name: str, row: dict) -> None:
        table = tables[name]
        if batch and (table is not current[0] or len(batch) >= 500):
            session.execute(current[0].insert(), batch)
            batch.clear()
        current[0] = table
        batch.append({c.name: _decode(c, row.get(c.name)) for c in table.columns})

    try:
        manifest = _check(path, _read(path), insert)
        if batch:
            session.execute(current[0].insert(), batch)
    except (BackupError, *_DAMAGE, DBAPIError) as error:
        session.rollback()
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"cannot restore {path}: {error}") from error
    _after_restore(session)
    return manifest


def _after_restore(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Rows came with their ids; move each id sequence past them.
        for table in _tables():
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                # Table names come from our own metadata, never from input.
                statement = (
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
                session.execute(text(statement))
    # The search index is rebuilt by the register (`register.search.reindex_published`),
    # which the restore command calls next: portal knows no register tables.
