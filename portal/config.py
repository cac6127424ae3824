"""Configuration with safe defaults. Secrets come from the environment or instance/config.py."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "register.sqlite")
    # Heroku-style and plain postgres URLs should use the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _host_list(name: str) -> list[str] | None:
    """A comma-separated list from the environment, or None when the variable is unset."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _engine_options(url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # A database host that drops packets must not stall /readyz until the TCP timeout.
        options["connect_args"] = {"connect_timeout": _int("DATABASE_CONNECT_TIMEOUT", 5)}
    return options


def from_environment(instance_path: str) -> dict:
    """Settings read at start-up. instance/config.py may override any of them afterwards."""
    database_url = _database_url(instance_path)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "ORGANIZATION_NAME": os.environ.get("ORGANIZATION_NAME", "Gemeente Utrecht"),
        "DEFAULT_CONTACT_EMAIL": os.environ.get("DEFAULT_CONTACT_EMAIL", "algoritmes@utrecht.nl"),
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000"),
        "REGISTER_PAGE_SIZE": 20,
        "API_MAX_PAGE_SIZE": 100,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FLASK_DEBUG", "") != "1"
        and os.environ.get("PORTAL_ENV", "production") == "production",
        "PORTAL_ENV": os.environ.get("PORTAL_ENV", "production"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "JSON_LOGS": os.environ.get("JSON_LOGS", "1") == "1",
        # Sessions end after two idle hours, and twelve hours after login at the latest.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=2),
        "SESSION_MAX_AGE": dt.timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": dt.timedelta(0),
        # In-memory counting per process; set a Redis URL when running several workers.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # While Redis does not answer, limits count per process instead of failing requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Several sites (or test runs) may share one Redis; each keeps to its own keys.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # Only failed logins count. Per address over all accounts, and per account over all
        # addresses (looser, so strangers cannot keep an account shut for long).
        "LOGIN_RATE_LIMIT_PER_ADDRESS": "20 per 10 minutes",
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "30 per 10 minutes",
        # Per account and address: after LOGIN_FREE_FAILURES wrong passwords each further one
        # makes that pair wait, doubling from LOGIN_DELAY_SECONDS up to LOGIN_MAX_DELAY_SECONDS;
        # a successful login clears it.
        "LOGIN_FREE_FAILURES": 4,
        "LOGIN_DELAY_SECONDS": 10,
        "LOGIN_MAX_DELAY_SECONDS": 300,
        "LOGIN_FAILURE_WINDOW_SECONDS": 3600,
        # The token API (/api/v1 with Authorization: Bearer): per token, and failed
        # authentications per address.
        "API_RATE_LIMIT_PER_TOKEN": os.environ.get("API_RATE_LIMIT_PER_TOKEN", "300 per minute"),
        "API_AUTH_FAILURE_LIMIT": "30 per minute",
        # Hosts this site answers to (others get 400). Unset: SITE_URL's host (and SERVER_NAME),
        # plus localhost and 127.0.0.1 in development; see portal/security.py.
        "TRUSTED_HOSTS": _host_list("TRUSTED_HOSTS"),
        # Number of reverse proxies in front (werkzeug ProxyFix); 0 trusts no forwarded header.
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 0),
        "PROXY_FIX_X_PROTO": _int("PROXY_FIX_X_PROTO", 0),
        # Strict-Transport-Security; one year in production, off in development.
        "HSTS_MAX_AGE": _int(
            "HSTS_MAX_AGE",
            31_536_000 if os.environ.get("PORTAL_ENV", "production") == "production" else 0,
        ),
        # Delivery to the national algorithm register (`register sync-national`): its
        # submission API (base URL ending in /aanleverapi/v1_0), our organisation's id there,
        # and the OAuth2 client-credentials login at the national Keycloak. The secret is
        # never logged or shown.
        "NATIONAL_API_URL": os.environ.get("NATIONAL_API_URL", ""),
        "NATIONAL_ORGANISATION_ID": os.environ.get("NATIONAL_ORGANISATION_ID", ""),
        "NATIONAL_TOKEN_URL": os.environ.get("NATIONAL_TOKEN_URL", ""),
        "NATIONAL_CLIENT_ID": os.environ.get("NATIONAL_CLIENT_ID", ""),
        "NATIONAL_CLIENT_SECRET": os.environ.get("NATIONAL_CLIENT_SECRET", ""),
        "NATIONAL_RATE_LIMIT_PER_MINUTE": _int("NATIONAL_RATE_LIMIT_PER_MINUTE", 25),
        "NATIONAL_TIMEOUT_SECONDS": _int("NATIONAL_TIMEOUT_SECONDS", 30),
        # Notifications: SMTP when MAIL_SERVER is set, otherwise logged.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "algoritmeregister@utrecht.nl"),
        # Public page cache: per worker in memory, or shared in Redis when REDIS_URL is set
        # (or CACHE_TYPE=RedisCache with CACHE_REDIS_URL); keys carry the register's
        # generation, so it is never stale.
        "CACHE_TYPE": os.environ.get("CACHE_TYPE")
        or (
            "portal.shared_cache.TolerantRedisCache"
            if os.environ.get("REDIS_URL")
            else "SimpleCache"
        ),
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL", ""),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal-cache:"),
        # With REDIS_URL, records are rendered and mail is sent by RQ workers
        # (`flask --app wsgi jobs worker`); without it, in the request that caused them.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "portal"),
        # Job workers run nicer than the web workers: readers first on a shared machine.
        "JOB_WORKER_NICE": min(19, max(0, _int("JOB_WORKER_NICE", 10))),
        "CACHE_DEFAULT_TIMEOUT": int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "60")),
        # Residents' questions (register/feedback.py): the answer-time target, how long the
        # asker's message and address are kept after the answer, the form's spam checks.
        "FEEDBACK_ANSWER_DAYS": _int("FEEDBACK_ANSWER_DAYS", 14),
        "FEEDBACK_RETENTION_DAYS": _int("FEEDBACK_RETENTION_DAYS", 180),
        "FEEDBACK_MIN_SECONDS": _int("FEEDBACK_MIN_SECONDS", 3),
        "FEEDBACK_FORM_MAX_AGE": _int("FEEDBACK_FORM_MAX_AGE", 86400),
        "FEEDBACK_RATE_LIMIT": os.environ.get("FEEDBACK_RATE_LIMIT", "5 per 10 minutes"),
        # Subscriptions (register/subscriptions.py): unconfirmed requests are deleted after
        # SUBSCRIPTION_CONFIRM_DAYS (by `register purge-feedback`).
        "SUBSCRIPTION_CONFIRM_DAYS": _int("SUBSCRIPTION_CONFIRM_DAYS", 7),
        "SUBSCRIBE_RATE_LIMIT": os.environ.get("SUBSCRIBE_RATE_LIMIT", "5 per 10 minutes"),
        # `make run` shows a notice that the demo register is fictional.
        "SHOW_DEMO_NOTICE": os.environ.get("SHOW_DEMO_NOTICE", "") == "1",
    }
