"""Login throttling: wrong passwords make one account wait at one address, longer with each
failure; a correct password clears it; strangers elsewhere cannot lock the owner out for
long; the real client address is used behind a configured proxy; the token API is limited."""

import socket
import time
import uuid

import pytest
from limits.storage import RedisStorage, storage_from_string

from portal import create_app
from portal.auth import operations
from portal.auth.throttle import LoginThrottle, delay_after
from portal.extensions import db, limiter
from tests.conftest import PASSWORD, _fresh_request_globals, csrf_token_from
from tests.test_auth import login

WRONG = "fout fout fout fout"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def config(app):
    """Change settings for one test."""
    saved = dict(app.config)

    def _set(**values):
        app.config.update(values)

    yield _set
    for key in [key for key in saved if key.startswith(("LOGIN_", "API_"))]:
        app.config[key] = saved[key]


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_wait_doubles_per_failure_and_is_capped():
    waits = [delay_after(n, free=4, base=10, cap=300) for n in range(1, 13)]
    assert waits == [0, 0, 0, 0, 10, 20, 40, 80, 160, 300, 300, 300]


def test_a_locked_pair_waits_longer_each_time_and_is_told_how_long(app, users, config):
    config(LOGIN_FREE_FAILURES=1, LOGIN_DELAY_SECONDS=1)
    client = client_at(app, "192.0.2.10")
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401  # now 1 s
    waiting = login(client, "data@utrecht.nl")  # even the right password waits
    assert waiting.status_code == 429
    assert waiting.headers["Retry-After"] == "1"
    assert "Te veel pogingen. Wacht 1 seconde" in waiting.get_data(as_text=True)
    time.sleep(1.1)
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401  # now 2 s
    second = login(client, "data@utrecht.nl", WRONG)
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "2"
    time.sleep(2.1)
    assert login(client, "data@utrecht.nl").status_code == 302  # waited: the owner gets in


def test_successful_logins_never_count_toward_a_limit(app, users, config):
    config(
        LOGIN_RATE_LIMIT_PER_ADDRESS="3 per 10 minutes",
        LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per 10 minutes",
        LOGIN_FREE_FAILURES=1,
    )
    client = client_at(app, "192.0.2.11")
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401
    for _round in range(5):
        # Each success also clears this account's failures at this address.
        assert login(client_at(app, "192.0.2.11"), "data@utrecht.nl").status_code == 302
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401  # no wait: cleared
    assert login(client_at(app, "192.0.2.11"), "data@utrecht.nl").status_code == 302
    assert login(client, "data@utrecht.nl", WRONG).status_code == 401  # the third failure
    # Eleven attempts, three of them wrong: only now is the limit of three reached.
    assert login(client_at(app, "192.0.2.11"), "klankbord@utrecht.nl").status_code == 429


def test_a_stranger_cannot_lock_the_owner_out(app, users):
    stranger = client_at(app, "203.0.113.9")
    for _attempt in range(5):
        assert login(stranger, "data@utrecht.nl", WRONG).status_code == 401
    assert login(stranger, "data@utrecht.nl").status_code == 429  # the stranger waits
    owner = client_at(app, "198.51.100.7")
    assert login(owner, "data@utrecht.nl").status_code == 302
    assert login(client_at(app, "203.0.113.9"), "klankbord@utrecht.nl").status_code == 302


def test_unknown_accounts_are_throttled_the_same_way(app, users):
    client = client_at(app, "192.0.2.12")
    for _attempt in range(5):
        assert login(client, "bestaat-niet@utrecht.nl", WRONG).status_code == 401
    assert login(client, "bestaat-niet@utrecht.nl").status_code == 429


def test_an_account_has_a_looser_limit_over_all_addresses(app, users, config):
    config(LOGIN_RATE_LIMIT_PER_ACCOUNT="6 per 10 minutes")
    for number in range(3):
        client = client_at(app, f"192.0.2.{20 + number}")
        for _attempt in range(2):
            assert login(client, "data@utrecht.nl", WRONG).status_code == 401
    limited = login(client_at(app, "192.0.2.30"), "data@utrecht.nl")
    assert limited.status_code == 429
    assert "Te veel pogingen" in limited.get_data(as_text=True)
    assert login(client_at(app, "192.0.2.30"), "klankbord@utrecht.nl").status_code == 302


@pytest.fixture
def proxied_app(app, monkeypatch, tmp_path):
    """The same database behind one reverse proxy (PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SERVER_NAME": "register.test",
            "SESSION_COOKIE_SECURE": False,
            "JSON_LOGS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    # As for the main test app: the open app context must not carry `g` between requests.
    proxied.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    with proxied.app_context():
        yield proxied
        db.session.remove()
        db.engine.dispose()  # its own pool; close it rather than leave it to the collector


def test_behind_the_proxy_the_real_client_address_counts(proxied_app, users):
    def through_proxy(client_address: str):
        client = client_at(proxied_app, "127.0.0.2")  # every request comes from the proxy
        client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
        return client

    stranger = through_proxy("203.0.113.9")
    for _attempt in range(5):
        assert login(stranger, "data@utrecht.nl", WRONG).status_code == 401
    assert login(stranger, "data@utrecht.nl").status_code == 429
    # The stranger cannot escape by writing another address in front: the proxy appends
    # the real one, and only that is believed.
    spoofed = through_proxy("198.51.100.7, 203.0.113.9")
    assert login(spoofed, "data@utrecht.nl").status_code == 429
    assert login(through_proxy("198.51.100.7"), "data@utrecht.nl").status_code == 302


def test_the_token_api_is_rate_limited_per_token(client, users, config):
    config(API_RATE_LIMIT_PER_TOKEN="3 per minute")
    _token, first = operations.issue_token(db.session, None, users["submitter"])
    _token, second = operations.issue_token(db.session, None, users["reviewer"])
    db.session.commit()
    for _call in range(3):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
        assert me.status_code == 200
    limited = client.get("/api/v1/assessments/1", headers={"Authorization": f"Bearer {first}"})
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    other = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200
    assert client.get("/api/v1/algorithms").status_code == 200  # the public API is not


def test_failed_token_authentications_are_limited_per_address(client, users, config):
    config(API_AUTH_FAILURE_LIMIT="3 per minute")
    for _attempt in range(3):
        guess = f"urt_{uuid.uuid4().hex}"
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {guess}"}).status_code
            == 401
        )
    guess = f"urt_{uuid.uuid4().hex}"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {guess}"}).status_code == 429


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(
    not _redis_reachable(), reason="Redis does not answer on 127.0.0.1:6379"
)


@needs_redis
def test_login_delays_are_shared_between_workers_through_redis():
    prefix = f"test-{uuid.uuid4().hex}"
    worker_a = LoginThrottle(storage_from_string(REDIS_URL, key_prefix=prefix), base_delay=30)
    worker_b = LoginThrottle(storage_from_string(REDIS_URL, key_prefix=prefix), base_delay=30)
    try:
        for _attempt in range(5):
            worker_a.failed("data@utrecht.nl", "203.0.113.9")
        assert 25 <= worker_b.retry_after("data@utrecht.nl", "203.0.113.9") <= 30
        assert worker_b.retry_after("data@utrecht.nl", "198.51.100.7") == 0
        worker_b.succeeded("data@utrecht.nl", "203.0.113.9")
        assert worker_a.retry_after("data@utrecht.nl", "203.0.113.9") == 0
    finally:
        worker_a.storage.reset()


@needs_redis
def test_redis_url_puts_the_counters_in_redis(app, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    prefix = f"test-{uuid.uuid4().hex}"
    try:
        redis_app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "JSON_LOGS": False,
                "LOG_LEVEL": "WARNING",
                "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix},
            }
        )
        assert redis_app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        assert isinstance(limiter.storage, RedisStorage)
        with redis_app.test_request_context():
            LoginThrottle.for_app(limiter.storage).failed("x@utrecht.nl", "203.0.113.9")
        elsewhere = storage_from_string(REDIS_URL, key_prefix=prefix)
        assert elsewhere.get_connection().keys(f"{prefix}:login-failures:*")
        elsewhere.reset()
    finally:
        # Flask-Limiter is one object per process: give it back its in-memory storage.
        create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://"})
    assert not isinstance(limiter.storage, RedisStorage)


def test_login_throttle_state_survives_no_password_check_while_waiting(app, users):
    """While a pair waits, the password is not checked (no audit of a login attempt)."""
    client = client_at(app, "192.0.2.13")
    for _attempt in range(5):
        login(client, "data@utrecht.nl", WRONG)
    token = csrf_token_from(client.get("/intern/inloggen"))
    from sqlalchemy import func, select

    from portal import audit

    count = select(func.count()).select_from(audit.AuditEvent)
    before = db.session.scalar(count)
    response = client.post(
        "/intern/inloggen",
        data={"email": "data@utrecht.nl", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 429
    assert db.session.scalar(count) == before
