"""Who is asking: the logged-in user (web) or the token's user (API), and access guards."""

from __future__ import annotations

import hashlib
import hmac
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from portal.auth import operations
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import json_error
from portal.extensions import db, limiter, login_manager

LOGIN_AT_KEY = "login_at"
# Flask-Login keeps the browser's fingerprint under this key at login.
IDENTIFIER_KEY = "_id"


def session_identifier() -> str:
    """The fingerprint a session is bound to: client address and browser.

    Flask-Login's recipe, except that the address is the one ProxyFix determined (the
    configured number of proxies) rather than the first, client-written X-Forwarded-For.
    """
    address = (request.remote_addr or "").encode()
    agent = request.headers.get("User-Agent")
    base = f"{address}|{agent.encode() if agent is not None else None}"
    return hashlib.sha512(base.encode()).hexdigest()


def _session_copied_elsewhere() -> bool:
    return not hmac.compare_digest(str(session.get(IDENTIFIER_KEY, "")), session_identifier())


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    # Flask-Login's "strong" mode only marks permanent sessions (ours) as not fresh;
    # end_old_sessions below does the real check, and login stores our fingerprint.
    login_manager.session_protection = None
    login_manager._session_identifier_generator = session_identifier

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the session token; logout, a password change and deactivation
        # replace it, so every copy of an older cookie stops working.
        number, _, token = user_id.partition(":")
        if not number.isdigit() or not token:
            return None
        user = db.session.get(User, int(number))
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(user.session_token.encode(), token.encode()):
            return None
        return user

    @app.before_request
    def end_old_sessions() -> None:
        if request.blueprint == "api" or not session.get("_user_id"):
            return
        started = session.get(LOGIN_AT_KEY, 0)
        too_old = (
            utcnow().timestamp() - started > current_app.config["SESSION_MAX_AGE"].total_seconds()
        )
        if too_old or _session_copied_elsewhere():
            logout_user()
            session.clear()


def internal_required(rule):
    """Web views: log in first (redirect), then the rule decides (403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _api_token_key() -> str:
    # Per token (its hash, never the secret itself); callers without one count per address.
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "api-token:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
    return "api-address:" + (get_remote_address() or "")


# One budget per token over every token endpoint, and failed authentications per address.
_per_token_limit = limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT_PER_TOKEN"],
    scope="api-token",
    key_func=_api_token_key,
)
_auth_failure_limit = limiter.shared_limit(
    lambda: current_app.config["API_AUTH_FAILURE_LIMIT"],
    scope="api-auth-failure",
    key_func=get_remote_address,
    deduct_when=lambda response: response.status_code == 401,
)


def token_required(view):
    """API views: a valid `Authorization: Bearer <token>` or 401, rate limited per token.
    Cookies are never used."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        user = (
            operations.user_for_token(db.session, secret.strip())
            if scheme.lower() == "bearer"
            else None
        )
        if user is None:
            response = json_error(
                401, "A valid API token is required (Authorization: Bearer <token>)"
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        g.api_user = user
        db.session.commit()  # keeps last_used_at; nothing else is pending yet
        return view(*args, **kwargs)

    return _auth_failure_limit(_per_token_limit(wrapper))


def safe_next_url(target: str | None, default_endpoint: str) -> str:
    from portal.views import safe_next

    target = safe_next(target)
    return target if target != "/" else url_for(default_endpoint)


def redirect_next(default_endpoint: str):
    return redirect(safe_next_url(request.args.get("next"), default_endpoint))
