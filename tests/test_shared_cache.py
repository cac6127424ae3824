"""REDIS_URL puts the page cache in Redis, shared by every app server; a Redis that does not
answer makes the public pages slower (rendered every time), never an error page."""

from __future__ import annotations

from portal import create_app
from portal.extensions import cache, db
from portal.shared_cache import TolerantRedisCache
from tests.redis_support import redis_space  # noqa: F401 - the fixture


def _app_with_redis(app, monkeypatch, tmp_path, url: str, prefix: str = "test-cache:"):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("CACHE_KEY_PREFIX", prefix)
    for name in ("CACHE_TYPE", "CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "JSON_LOGS": False,
            "LOG_LEVEL": "CRITICAL",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SERVER_NAME": "register.test",
        }
    )


def _done(*apps) -> None:
    for made in apps:
        with made.app_context():
            db.engine.dispose()  # their pooled connections, closed now rather than collected
    # Flask-Limiter is one object per process: give it back its in-memory storage.
    create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://"})


def test_a_redis_that_does_not_answer_leaves_the_register_served(
    app, monkeypatch, tmp_path, publish_entry
):
    publish_entry(slug="slim-vegen", name="Slim vegen")
    made = []
    try:
        dead = _app_with_redis(app, monkeypatch, tmp_path, "redis://127.0.0.1:1/0")
        made.append(dead)
        assert dead.config["CACHE_TYPE"] == "portal.shared_cache.TolerantRedisCache"
        client = dead.test_client()
        for path in ("/algoritmes", "/algoritmes/slim-vegen", "/api/v1/algorithms"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "Slim vegen" in response.get_data(as_text=True)
    finally:
        _done(*made)


def test_redis_url_shares_the_pages_in_redis(
    app,
    monkeypatch,
    tmp_path,
    publish_entry,
    redis_space,  # noqa: F811 - the fixture
):
    publish_entry(slug="slim-vegen", name="Slim vegen")
    made = []
    try:
        shared = _app_with_redis(
            app, monkeypatch, tmp_path, redis_space.url, redis_space.prefix + "cache:"
        )
        made.append(shared)
        with shared.app_context():
            assert isinstance(cache.cache, TolerantRedisCache)
        assert shared.test_client().get("/algoritmes").headers["X-Cache"] == "miss"
        stored = list(redis_space.connection().scan_iter(match=f"{redis_space.prefix}cache:*"))
        assert stored, "the rendered page is in Redis"
        # Another app (another server) finds it there.
        other = _app_with_redis(
            app, monkeypatch, tmp_path, redis_space.url, redis_space.prefix + "cache:"
        )
        made.append(other)
        assert other.test_client().get("/algoritmes").headers["X-Cache"] == "hit"
    finally:
        _done(*made)


def test_a_redis_that_does_not_answer_still_lets_people_log_in_with_delays(
    app, monkeypatch, tmp_path, users
):
    """Limits and login delays count per process while Redis is down: never an error page."""
    from tests.test_auth import login

    made = []
    try:
        dead = _app_with_redis(app, monkeypatch, tmp_path, "redis://127.0.0.1:1/0")
        made.append(dead)
        dead.config.update(LOGIN_FREE_FAILURES=1, LOGIN_DELAY_SECONDS=30, WTF_CSRF_ENABLED=True)
        client = dead.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
        assert login(client, "data@utrecht.nl", "fout fout fout").status_code == 401
        assert login(client, "data@utrecht.nl", "fout fout fout").status_code == 401
        waiting = login(client, "data@utrecht.nl")  # the delay holds, counted in memory
        assert waiting.status_code == 429
        assert int(waiting.headers["Retry-After"]) > 0
        other = dead.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.78"
        assert login(other, "data@utrecht.nl").status_code == 302  # elsewhere: logged in
    finally:
        _done(*made)
