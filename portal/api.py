"""The `/api` blueprint that every package adds its JSON routes to, and what they share.

`register/api.py` (the public register and the OpenAPI document), `assessments/api.py` and
`portal/auth/api.py` each attach their routes here; the app factory registers it once and
exempts it from CSRF (the API authenticates with bearer tokens, never with cookies). The JSON
error helper and the token check are exported here so an API module needs only this one.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

from portal.auth.session import token_required
from portal.errors import json_error

__all__ = [
    "adjust_document",
    "api_blueprint",
    "document_adjustments",
    "document_schema",
    "documented_schemas",
    "json_error",
    "token_required",
]

api_blueprint = Blueprint("api", __name__, url_prefix="/api")

# What a package adds to the OpenAPI document besides its routes: its component schemas,
# and changes to the finished document (for what is data rather than a class). A package
# registers them when it is imported, so the module that builds the document
# (register/api.py) never imports another package's schemas.
_schemas: dict[str, type] = {}
_adjustments: list[Callable[[dict], None]] = []


def document_schema(name: str, schema: type) -> None:
    _schemas[name] = schema


def documented_schemas() -> dict[str, type]:
    return dict(_schemas)


def adjust_document(change: Callable[[dict], None]) -> Callable[[dict], None]:
    if change not in _adjustments:
        _adjustments.append(change)
    return change


def document_adjustments() -> list[Callable[[dict], None]]:
    return list(_adjustments)
