"""Structured (JSON) logs with request context; never personal data from assessments."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

# A client's X-Request-ID is kept only when it is a short plain token; anything else (line
# breaks, markup, long strings) would let a client write into our logs, so it gets a new id.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(header: str | None) -> str:
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.path = request.path
            record.method = request.method
        return True


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    if app.config["JSON_LOGS"]:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=True)
        )
    handler.addFilter(RequestContextFilter())
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        if request.path != "/healthz" and not request.path.startswith("/static/"):
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            app.logger.info(
                "request",
                extra={"status": response.status_code, "duration_ms": round(elapsed, 1)},
            )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
