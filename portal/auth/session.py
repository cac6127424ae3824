"""Who is asking: the logged-in user (web) or the token's user (API), and access guards."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from portal.auth import operations
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import json_error
from portal.extensions import db, login_manager

LOGIN_AT_KEY = "login_at"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the session token, so a password change ends other sessions.
        number, _, token = user_id.partition(":")
        if not number.isdigit():
            return None
        user = db.session.get(User, int(number))
        if user is None or not user.active or user.session_token != token:
            return None
        return user

    @app.before_request
    def end_old_sessions() -> None:
        if request.blueprint == "api" or not session.get(LOGIN_AT_KEY):
            return
        started = session.get(LOGIN_AT_KEY, 0)
        if utcnow().timestamp() - started > current_app.config["SESSION_MAX_AGE"].total_seconds():
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


def token_required(view):
    """API views: a valid `Authorization: Bearer <token>` or 401. Cookies are never used."""

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

    return wrapper


def safe_next_url(target: str | None, default_endpoint: str) -> str:
    from portal.views import safe_next

    target = safe_next(target)
    return target if target != "/" else url_for(default_endpoint)


def redirect_next(default_endpoint: str):
    return redirect(safe_next_url(request.args.get("next"), default_endpoint))
