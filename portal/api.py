"""The `/api` blueprint that every package adds its JSON routes to, and what they share.

`register/api.py` (the public register and the OpenAPI document), `assessments/api.py` and
`portal/auth/api.py` each attach their routes here; the app factory registers it once and
exempts it from CSRF (the API authenticates with bearer tokens, never with cookies). The JSON
error helper and the token check are exported here so an API module needs only this one.
"""

from __future__ import annotations

from flask import Blueprint

from portal.auth.session import token_required
from portal.errors import json_error

__all__ = ["api_blueprint", "json_error", "token_required"]

api_blueprint = Blueprint("api", __name__, url_prefix="/api")
