"""Demo register: Utrecht's published algorithms (names, themes, statuses as published
nationally on 2026-08-08), described in the project's own words, with earlier versions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register import operations
from register.models import Algorithm
from register.standard import clean_entry

DEMO_FILE = Path(__file__).with_name("algorithms.json")
_META_KEYS = ("slug", "previous_versions", "published_at")


def register_has_entries(session: Session) -> bool:
    return (session.scalar(select(func.count(Algorithm.id))) or 0) > 0


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)


def load(session: Session) -> dict[str, int]:
    records = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    created = skipped = 0
    for record in records:
        if session.scalar(select(Algorithm.id).where(Algorithm.slug == record["slug"])):
            skipped += 1
            continue
        fields = {k: v for k, v in record.items() if k not in _META_KEYS}
        current, _ignored = clean_entry({**fields, "lang": "nld", "standard_version": "1.0"})
        # Rebuild the earlier versions: each lists the fields that differed back then.
        history = []
        older = dict(current)
        for previous in reversed(record.get("previous_versions", [])):
            older = {**older, **clean_entry({**older, **previous["changes"]})[0]}
            history.append((previous, older))
        algorithm = operations.create_algorithm(session, current, slug=record["slug"])
        session.flush()
        for previous, content in reversed(history):
            operations.publish(
                session, algorithm, content, previous["summary"], _at(previous["published_at"])
            )
        operations.publish(
            session,
            algorithm,
            current,
            "Bijgewerkt" if history else "Gepubliceerd",
            _at(record["published_at"]),
        )
        created += 1
    return {"created": created, "skipped": skipped}
