"""The national API client on its own: rate limit, Retry-After, tokens, errors, secrecy."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from register.national.client import (
    NationalClient,
    NationalConfigError,
    NationalError,
    NationalSettings,
    RateLimiter,
    retry_after_seconds,
)

SETTINGS = NationalSettings(
    api_url="https://national.test/aanleverapi/v1_0",
    organisation_id="gm0344",
    token_url="https://keycloak.test/realms/x/protocol/openid-connect/token",
    client_id="register",
    client_secret="very-secret-value",
    max_retries=3,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(handler, clock: FakeClock | None = None, **settings) -> NationalClient:
    clock = clock or FakeClock()
    options = {**SETTINGS.__dict__, **settings}
    return NationalClient(
        NationalSettings(**options),
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )


def _token_or(answer):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "keycloak.test":
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 300})
        return answer(request)

    return handler


def test_the_limiter_allows_25_a_minute_then_waits():
    clock = FakeClock()
    limiter = RateLimiter(25, clock=clock, sleep=clock.sleep)
    for _ in range(25):
        limiter.wait()
    assert clock.slept == []
    limiter.wait()
    assert clock.slept == [60.0]


def test_the_client_keeps_to_the_rate_limit():
    clock = FakeClock()
    client = _client(_token_or(lambda r: httpx.Response(200, json=[])), clock, rate_per_minute=2)
    for _ in range(3):
        client.list_algorithms()
    assert clock.slept == [60.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("12", 12.0), ("0", 0.0), (None, None), ("soon", None), ("", None)],
)
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date():
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds(when, now=1_000_000) == 30.0


def test_429_without_retry_after_backs_off_exponentially_then_gives_up():
    clock = FakeClock()
    client = _client(
        _token_or(lambda r: httpx.Response(429, json={"detail": "Too Many Requests"})), clock
    )
    with pytest.raises(NationalError, match="HTTP 429 Too Many Requests") as failure:
        client.list_algorithms()
    assert failure.value.status == 429
    assert clock.slept == [2.0, 4.0, 8.0]


def test_a_refused_token_is_fetched_again_once():
    tokens = iter(["old", "new"])
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "keycloak.test":
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 300})
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"detail": "Token expired"})
        return httpx.Response(200, json=[])

    assert _client(handler).list_algorithms() == []
    assert seen == ["Bearer old", "Bearer new"]


def test_a_token_is_reused_until_it_nearly_expires():
    clock = FakeClock()
    fetched = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "keycloak.test":
            fetched.append(dict(httpx.QueryParams(request.content.decode())))
            return httpx.Response(200, json={"access_token": "t", "expires_in": 60})
        return httpx.Response(200, json=[])

    client = _client(handler, clock)
    client.list_algorithms()
    client.list_algorithms()
    clock.now += 31
    client.list_algorithms()
    assert len(fetched) == 2
    assert fetched[0]["grant_type"] == "client_credentials"
    assert fetched[0]["client_id"] == "register"


def test_validation_errors_are_readable():
    client = _client(
        _token_or(
            lambda r: httpx.Response(
                422,
                json={"detail": [{"loc": ["body", "name"], "msg": "field required", "type": "x"}]},
            )
        )
    )
    with pytest.raises(
        NationalError, match=r"create_one_algorithm: HTTP 422 body.name: field required"
    ):
        client.create({"name": "x"})


def test_a_missing_published_version_is_none():
    client = _client(_token_or(lambda r: httpx.Response(404, json={"detail": "Not found"})))
    assert client.get_published("abc") is None
    with pytest.raises(NationalError, match="HTTP 404"):
        client.release("abc")


def test_paths_follow_the_description():
    paths = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append((request.method, request.url.path))
        if request.method == "POST":
            return httpx.Response(200, json={"lars_code": "L1"})
        if request.url.path.endswith("/preview"):
            return httpx.Response(200, json={"url": "https://preview"})
        return httpx.Response(200, json={})

    client = _client(_token_or(answer))
    client.create({})
    client.update("L1", {})
    client.get("L1")
    client.get_published("L1")
    assert client.preview_url("L1") == "https://preview"
    client.release("L1")
    client.retract("L1")
    client.archive_version("L1", 7)
    client.unarchive_version("L1", 7)
    base = "/aanleverapi/v1_0/organizations/gm0344"
    assert paths == [
        ("POST", f"{base}/algorithms"),
        ("PUT", f"{base}/algorithms/L1"),
        ("GET", f"{base}/algorithms/L1"),
        ("GET", f"{base}/published-algorithms/L1"),
        ("GET", f"{base}/algorithms/L1/preview"),
        ("PUT", f"{base}/algorithms/L1/release"),
        ("DELETE", f"{base}/published-algorithms/L1/retract"),
        ("PUT", f"{base}/algorithms/L1/archive_version"),
        ("PUT", f"{base}/algorithms/L1/unarchive_version"),
    ]


def test_the_secret_never_shows():
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad"})

    with pytest.raises(NationalError) as failure:
        _client(refuse).list_algorithms()
    assert "very-secret-value" not in str(failure.value)
    assert "very-secret-value" not in repr(SETTINGS)


def test_settings_name_what_is_missing():
    with pytest.raises(NationalConfigError, match="NATIONAL_TOKEN_URL, NATIONAL_CLIENT_SECRET"):
        NationalSettings.from_config(
            {
                "NATIONAL_API_URL": "https://x",
                "NATIONAL_ORGANISATION_ID": "gm0344",
                "NATIONAL_CLIENT_ID": "c",
            }
        )
