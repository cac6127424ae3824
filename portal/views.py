"""Site-wide pages: liveness and readiness checks, language switch, about, accessibility."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request
from flask_babel import get_locale
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.i18n import LANGUAGE_COOKIE

blueprint = Blueprint("portal", __name__)


PLAIN_TEXT = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@blueprint.get("/healthz")
def healthz():
    """Liveness: the process answers. Cheap on purpose; it never touches the database."""
    return "ok", 200, PLAIN_TEXT


@blueprint.get("/readyz")
def readyz():
    """Readiness for load balancers: 200 only while the database answers."""
    from portal.errors import RETRY_AFTER_SECONDS

    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError:
        current_app.logger.warning("readiness check: database unavailable", exc_info=True)
        db.session.rollback()
        headers = {**PLAIN_TEXT, "Retry-After": str(RETRY_AFTER_SECONDS)}
        return "database unavailable", 503, headers
    finally:
        db.session.remove()  # give the connection back at once; nothing else runs here
    return "ready", 200, PLAIN_TEXT


def safe_next(target: str | None) -> str:
    """Only redirect to paths on this site."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@blueprint.get("/taal/<code>")
def switch_language(code: str):
    response = redirect(safe_next(request.args.get("next")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def prose_page(name: str, **context):
    """Long texts are written per language rather than cut into translation strings."""
    locale = str(get_locale() or "nl")
    return render_template([f"pages/{name}.{locale}.html", f"pages/{name}.nl.html"], **context)


@blueprint.get("/over")
def about():
    return prose_page("about")


@blueprint.get("/toegankelijkheid")
def accessibility():
    return prose_page("accessibility")
