"""Error responses: JSON for the API (`{"error": {...}}`), friendly pages for the site."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

API_PREFIX = "/api/"

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
    }
    return messages.get(status, (_("Something went wrong"), _("Please try again later.")))


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            return json_error(status, error.description or error.name)
        title, explanation = _page_message(status)
        return render_template(
            "errors/error.html", status=status, title=title, explanation=explanation
        ), status

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
