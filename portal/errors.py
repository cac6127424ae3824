"""Error responses: JSON for the API (`{"error": {...}}`), friendly pages for the site."""

from __future__ import annotations

import contextlib
import errno

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, login_manager

API_PREFIX = "/api/"
# Seconds a client (or load balancer) should wait before asking again when the database
# is unavailable.
RETRY_AFTER_SECONDS = 30
# PostgreSQL's SQLSTATE for "disk full"; SQLite says "database or disk is full".
PG_DISK_FULL = "53100"

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
    507: "insufficient_storage",
}


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX) or request.path.endswith(".json")


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    body = {"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def _page_message(status: int) -> tuple[str, str]:
    messages = {
        400: (
            _("Something is wrong with this request"),
            _("Check the address or the form and try again."),
        ),
        403: (
            _("You do not have access to this page"),
            _(
                "Your account does not allow this. "
                "Ask the register coordinator if you think it should."
            ),
        ),
        404: (
            _("Page not found"),
            _(
                "This page does not exist (any more). Perhaps the address is misspelled, "
                "or the algorithm has moved. Use the search to find it."
            ),
        ),
        405: (
            _("This action is not possible here"),
            _("Go back to the previous page and try again."),
        ),
        413: (
            _("Too much data sent"),
            _("What you sent is larger than we accept. Make it smaller and try again."),
        ),
        429: (
            _("Too many attempts"),
            _("Wait ten minutes and try again."),
        ),
        500: (
            _("Something went wrong on our side"),
            _("We have been notified. Please try again in a few minutes."),
        ),
        503: (
            _("The register is temporarily unavailable"),
            _(
                "We cannot reach our database right now. Nothing you sent was saved. "
                "Please try again in a minute."
            ),
        ),
        507: (
            _("The server's storage is full"),
            _(
                "There is no room left to save anything, so nothing you sent was saved. "
                "We have been notified. Please try again later."
            ),
        ),
    }
    return messages.get(status, (_("Something went wrong"), _("Please try again later.")))


def is_disk_full(error: BaseException) -> bool:
    """A full disk, as the operating system, SQLite or PostgreSQL reports it."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    if isinstance(error, DBAPIError):
        original = error.orig
        if getattr(original, "sqlstate", None) == PG_DISK_FULL:
            return True
        return "database or disk is full" in str(original)
    return False


def _unavailable_response(status: int):
    """503 (database unreachable) or 507 (disk full), without touching the database again."""
    headers = {"Cache-Control": "no-store"}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The connection may be gone; the session is discarded at teardown anyway.
    with contextlib.suppress(DBAPIError):
        db.session.rollback()
    if wants_json():
        message = {
            503: "The database is unavailable; try again later",
            507: "The server's storage is full; nothing was saved",
        }[status]
        response = json_error(status, message)
        response.headers.update(headers)
        return response
    # The page header shows the signed-in user; loading them would ask the database again.
    g._login_user = login_manager.anonymous_user()
    title, explanation = _page_message(status)
    return (
        render_template("errors/error.html", status=status, title=title, explanation=explanation),
        status,
        headers,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError):
        # Unreachable server, refused connection, a lock held too long, a full disk.
        status = 507 if is_disk_full(error) else 503
        app.logger.error("database unavailable (%s)", status, exc_info=error)
        return _unavailable_response(status)

    @app.errorhandler(OSError)
    def handle_os_error(error: OSError):
        if not is_disk_full(error):
            return handle_unexpected(error)
        app.logger.error("disk full", exc_info=error)
        return _unavailable_response(507)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        # A 405 must say which methods the resource does take (RFC 9110); the Allow header
        # werkzeug built would be lost with its own response.
        headers = {}
        if getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        if wants_json():
            response = json_error(status, error.description or error.name)
            response.headers.update(headers)
            return response
        title, explanation = _page_message(status)
        return (
            render_template(
                "errors/error.html", status=status, title=title, explanation=explanation
            ),
            status,
            headers,
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.error("unhandled error", exc_info=error)
        if wants_json():
            return json_error(500, "Internal server error")
        title, explanation = _page_message(500)
        return render_template(
            "errors/error.html", status=500, title=title, explanation=explanation
        ), 500

    # Re-raise in debug so the debugger shows the traceback.
    if app.debug:
        app.register_error_handler(InternalServerError, handle_unexpected)
