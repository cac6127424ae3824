"""Dutch first, English on request. The choice lives in a cookie set by /taal/<code>."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from portal.extensions import babel

LANGUAGE_COOKIE = "taal"


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from portal import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )

    @app.context_processor
    def inject_locale() -> dict:
        return {"current_locale": str(get_locale() or "nl")}

    app.jinja_env.globals["content_lang"] = content_lang


def content_lang() -> Markup:
    """` lang="nl"` on pages in another language, for parts written in Dutch only.

    Register content is Dutch; marking it lets screen readers switch voice (WCAG 3.1.2).
    A global rather than a context variable, so imported macros see it too.
    """
    return Markup(' lang="nl"') if str(get_locale() or "nl") != "nl" else Markup("")
