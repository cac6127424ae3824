"""Security headers on every response, the hosts we answer to, and the proxy in front.

No inline scripts or styles anywhere, so the Content-Security-Policy can stay strict.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.errors import json_error, wants_json

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Pages with personal or internal content: never stored by a browser or a shared cache.
PRIVATE_PREFIXES = ("/intern/", "/api/v1/assessments", "/api/v1/me")


def default_trusted_hosts(config) -> list[str]:
    """SITE_URL's host and SERVER_NAME's, plus the loopback names in development."""
    hosts = []
    for url in (config.get("SITE_URL"), config.get("SERVER_NAME")):
        if url:
            host = urlsplit(url if "//" in url else "//" + url).hostname
            if host and host not in hosts:
                hosts.append(host)
    if config.get("PORTAL_ENV") == "development":
        hosts.extend(host for host in DEVELOPMENT_HOSTS if host not in hosts)
    return hosts


def is_private_response() -> bool:
    """Signed-in pages, token API answers and internal downloads."""
    return (
        request.path.startswith(PRIVATE_PREFIXES)
        or request.authorization is not None
        or g.get("api_user") is not None
        or bool(session.get("_user_id"))
    )


def _refuse_unknown_host() -> None:
    # Flask checks TRUSTED_HOSTS while routing, but the other before-request steps (CSRF, the
    # page cache) would run first; stop here so nothing else sees the foreign host.
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _unknown_host(_error: SecurityError) -> Response:
    # Never echo the host: it is the attacker's text. Plain text, no template with links.
    message = _(
        "This web address is not one of ours. Go to %(site)s.",
        site=current_app.config["SITE_URL"],
    )
    if wants_json():
        return json_error(400, message, code="unknown_host")
    return Response(message, status=400, mimetype="text/plain")


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(app.config)
    x_for = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    x_proto = int(app.config.get("PROXY_FIX_X_PROTO") or 0)
    if x_for or x_proto:
        # Only the headers of the configured number of proxies are believed; the Host is
        # never taken from X-Forwarded-Host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0)

    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)
    app.register_error_handler(SecurityError, _unknown_host)

    @app.before_request
    def refuse_oversized_bodies() -> None:
        # Refuse at once on the declared length, before any view reads the body.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            abort(413)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        max_age = int(app.config.get("HSTS_MAX_AGE") or 0)
        # Browsers ignore HSTS over plain HTTP; a Secure-cookie deployment is HTTPS-only even
        # when a proxy terminates TLS without telling us (PROXY_FIX_X_PROTO unset).
        if max_age > 0 and (request.is_secure or app.config.get("SESSION_COOKIE_SECURE")):
            headers["Strict-Transport-Security"] = f"max-age={max_age}; includeSubDomains"
        # A view's own wait (the login delay) beats Flask-Limiter's window-based header,
        # which it writes on every limited endpoint's response.
        if g.get("retry_after") is not None:
            headers["Retry-After"] = str(g.retry_after)
        if is_private_response():
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
