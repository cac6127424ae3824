"""Our entries as the national submission API's `AlgorithmIn` body, and back.

Our content already uses the national v1.0 field names (register/standard.py), so the
mapping is mostly selection: national fields only (Utrecht's own fields stay here), empty
values left out (the API's description types them as strings or arrays, not null), and the
metadata the API expects filled in. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import hashlib
import json

from register.standard import LIST_FIELDS, NATIONAL_FIELD_NAMES

# Filled in by the national register itself; never sent, never compared.
NATIONAL_ONLY_FIELDS = ("lars", "publication_dt", "create_dt", "language", "state")
# Fields of AlgorithmIn that we send (the standard's national fields).
SENT_FIELDS = tuple(name for name in NATIONAL_FIELD_NAMES if name not in NATIONAL_ONLY_FIELDS)


def _clean_rows(rows: list) -> list[dict]:
    cleaned = []
    for row in rows or []:
        if isinstance(row, dict):
            kept = {key: value for key, value in row.items() if value not in ("", None)}
            if kept:
                cleaned.append(kept)
    return cleaned


def algorithm_in(content: dict, *, register_url: str = "") -> dict:
    """The API body for one entry's published content.

    `register_url` is the entry's page on our site: the national field `url` ("Link naar
    bronregistratie") points at the register where the entry was first recorded, unless the
    entry names another one itself."""
    payload: dict = {}
    for name in SENT_FIELDS:
        value = content.get(name)
        if name in LIST_FIELDS:
            value = (
                _clean_rows(value)
                if value and isinstance(value[0], dict)
                else [v for v in value or [] if v]
            )
            if value:
                payload[name] = value
        elif isinstance(value, str) and value.strip():
            payload[name] = value.strip()
    if "url" not in payload and register_url:
        payload["url"] = register_url
    payload["lang"] = payload.get("lang") or "nld"
    payload["standard_version"] = "1.0"
    return payload


def comparable(record: dict | None) -> dict:
    """The AlgorithmIn part of a national record (GET answers), in the form algorithm_in
    gives, so what we sent and what the national register holds can be compared."""
    if not record:
        return {}
    return algorithm_in({k: v for k, v in record.items() if k not in NATIONAL_ONLY_FIELDS})


def digest(payload: dict) -> str:
    """A stable fingerprint of a body: equal for equal content, whatever the key order."""
    canonical = json.dumps(comparable(payload), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
