"""`flask --app wsgi backup FILE` and `restore FILE`: the whole database, stored records
included, as one portable gzip'd JSON-lines file.

Portable on purpose: a SQLite backup restores into PostgreSQL and back. The search index is
not copied but rebuilt from the published entries on restore. The first line is a manifest
with, per table, the row count and a SHA-256 over its rows; restore checks both before it
commits, so a damaged or incomplete file changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Date, DateTime, LargeBinary, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from portal.extensions import db

FORMAT = "utrecht-algoritmeregister-backup"
FORMAT_VERSION = 1
# Rebuilt on restore from the published entries (and dialect-specific: tsvector, FTS5).
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


def table_hashes(session: Session) -> dict[str, dict]:
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


def _dump_rows(session: Session) -> Iterator[tuple]:
    for table in _tables():
        statement = select(table).order_by(*table.primary_key.columns)
        rows = (
            {c.name: _encode(c, row._mapping[c]) for c in table.columns}
            for row in session.execute(statement.execution_options(yield_per=500))
        )
        yield table, rows


def backup(session: Session, path: Path) -> dict[str, dict]:
    """Write the backup; returns its manifest."""
    manifest = table_hashes(session)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "tables": manifest,
        }
        out.write(json.dumps(header) + "\n")
        for table, rows in _dump_rows(session):
            for row in rows:
                out.write(json.dumps({"t": table.name, "r": row}, ensure_ascii=False) + "\n")
    return manifest


def _is_empty(session: Session) -> bool:
    return all(not session.scalar(select(func.count()).select_from(table)) for table in _tables())


def restore(session: Session, path: Path) -> dict[str, dict]:
    """Load a backup into an empty, migrated database, all or nothing."""
    if not _is_empty(session):
        raise BackupError("the database is not empty; restore only into a fresh database")
    tables = {t.name: t for t in _tables()}
    digests = {name: hashlib.sha256() for name in tables}
    counts = dict.fromkeys(tables, 0)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline())
            if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
                raise BackupError(f"{path} is not a backup of this application")
            unknown = set(header["tables"]) - set(tables)
            if unknown:
                raise BackupError(f"the backup has tables this version lacks: {sorted(unknown)}")
            batch: list[dict] = []
            current = None
            for line in source:
                item = json.loads(line)
                table = tables[item["t"]]
                _row_hash(digests[table.name], item["r"])
                counts[table.name] += 1
                if current is not None and table is not current and batch:
                    session.execute(current.insert(), batch)
                    batch = []
                current = table
                batch.append({c.name: _decode(c, item["r"].get(c.name)) for c in table.columns})
                if len(batch) >= 500:
                    session.execute(current.insert(), batch)
                    batch = []
            if batch:
                session.execute(current.insert(), batch)
    except (OSError, EOFError, ValueError, KeyError) as error:
        session.rollback()
        raise BackupError(f"cannot read {path}: {error}") from error
    for name, expected in header["tables"].items():
        actual = {"rows": counts[name], "sha256": digests[name].hexdigest()}
        if actual != expected:
            session.rollback()
            raise BackupError(f"table {name} does not match the manifest: {actual} != {expected}")
    _after_restore(session)
    return header["tables"]


def _after_restore(session: Session) -> None:
    from register import search
    from register.models import Algorithm

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
    for algorithm in session.scalars(select(Algorithm).where(Algorithm.is_published.is_(True))):
        search.index_entry(session, algorithm.id, algorithm.content)
