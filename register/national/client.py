"""A client for the national register's submission API ("aanleverapi" v1_0), on httpx.

Operations and bodies follow `aanleverapi-v1_0-openapi.json` (see spec.py). Access tokens
come from the national Keycloak by the OAuth2 client-credentials grant. The client keeps to
the API's rate limit (25 requests a minute) itself, waits as long as a 429 answer's
Retry-After says (or backs off exponentially when it says nothing) and fetches a new token
once when one is refused. The client secret is never logged, shown or put in an error.
"""

from __future__ import annotations

import collections
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

DEFAULT_RATE_PER_MINUTE = 25
DEFAULT_MAX_RETRIES = 5
MAX_WAIT_SECONDS = 300.0
# Refresh a token this long before the national Keycloak says it expires.
TOKEN_MARGIN_SECONDS = 30.0


def _default_sleep(seconds: float) -> None:
    time.sleep(seconds)


class NationalError(Exception):
    """A request to the national register failed; `str()` says why, for the report."""

    def __init__(self, message: str, *, status: int | None = None, operation: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.operation = operation


class NationalConfigError(NationalError):
    """The configuration is incomplete."""


@dataclass(frozen=True)
class NationalSettings:
    api_url: str
    organisation_id: str
    token_url: str
    client_id: str
    client_secret: str
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE
    timeout: float = 30.0
    max_retries: int = DEFAULT_MAX_RETRIES

    def __repr__(self) -> str:  # the secret stays out of tracebacks and logs
        return (
            f"NationalSettings(api_url={self.api_url!r}, "
            f"organisation_id={self.organisation_id!r}, token_url={self.token_url!r}, "
            f"client_id={self.client_id!r}, client_secret='***')"
        )

    @classmethod
    def from_config(cls, config) -> NationalSettings:
        """From the app's NATIONAL_* settings; NationalConfigError names what is missing."""
        names = {
            "api_url": "NATIONAL_API_URL",
            "organisation_id": "NATIONAL_ORGANISATION_ID",
            "token_url": "NATIONAL_TOKEN_URL",
            "client_id": "NATIONAL_CLIENT_ID",
            "client_secret": "NATIONAL_CLIENT_SECRET",
        }
        values = {key: str(config.get(name) or "").strip() for key, name in names.items()}
        missing = [names[key] for key, value in values.items() if not value]
        if missing:
            raise NationalConfigError("not configured: " + ", ".join(missing))
        return cls(
            **values,
            rate_per_minute=int(config.get("NATIONAL_RATE_LIMIT_PER_MINUTE") or 25),
            timeout=float(config.get("NATIONAL_TIMEOUT_SECONDS") or 30),
        )


class RateLimiter:
    """At most `per_minute` requests in any sixty seconds (a sliding window)."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = max(1, per_minute)
        self.clock = clock
        self.sleep = sleep
        self._sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        while True:
            now = self.clock()
            while self._sent and now - self._sent[0] >= 60.0:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                self._sent.append(now)
                return
            self.sleep(60.0 - (now - self._sent[0]))


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _detail(response: httpx.Response) -> str:
    """The API's explanation: Message.detail, or HTTPValidationError's list."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{where}: {item.get('msg', '')}".strip(": "))
        return "; ".join(parts)
    if isinstance(detail, str):
        return detail
    return response.reason_phrase or ""


class NationalClient:
    """One organisation's algorithms in the national register."""

    def __init__(
        self,
        settings: NationalSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        sleep = sleep or _default_sleep
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate_per_minute, clock=clock, sleep=sleep)
        self._http = httpx.Client(
            timeout=settings.timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self.requests_sent = 0

    def __enter__(self) -> NationalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- tokens -------------------------------------------------------------------------

    def _fetch_token(self) -> str:
        try:
            response = self._http.post(
                self.settings.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                },
            )
        except httpx.HTTPError as error:
            raise NationalError(
                f"token request failed: {type(error).__name__}", operation="token"
            ) from None
        if response.status_code != 200:
            try:
                reason = response.json().get("error", "")
            except (ValueError, AttributeError):
                reason = ""
            raise NationalError(
                f"token refused: HTTP {response.status_code}" + (f" ({reason})" if reason else ""),
                status=response.status_code,
                operation="token",
            )
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise NationalError("token answer without access_token", operation="token")
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 300.0
        self._token = token
        self._token_expires = self.clock() + max(0.0, lifetime - TOKEN_MARGIN_SECONDS)
        return token

    def _bearer(self) -> str:
        if self._token is None or self.clock() >= self._token_expires:
            return self._fetch_token()
        return self._token

    # -- requests -----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        organisation = quote(self.settings.organisation_id, safe="")
        return f"{self.settings.api_url.rstrip('/')}/organizations/{organisation}{path}"

    def _request(
        self, operation: str, method: str, path: str, *, json_body=None, missing_ok: bool = False
    ) -> httpx.Response | None:
        """Send one operation: rate limit, 429 with backoff, one new token after a 401.

        Returns None for a 404 when `missing_ok`; raises NationalError for any other answer
        that is not 2xx, and for network failures."""
        retried_token = False
        attempt = 0
        while True:
            self.limiter.wait()
            headers = {"Authorization": f"Bearer {self._bearer()}"}
            self.requests_sent += 1
            try:
                response = self._http.request(
                    method, self._url(path), json=json_body, headers=headers
                )
            except httpx.HTTPError as error:
                raise NationalError(
                    f"{operation}: {type(error).__name__}: {error}", operation=operation
                ) from None
            status = response.status_code
            if status == 429 and attempt < self.settings.max_retries:
                attempt += 1
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is None:
                    wait = float(2**attempt)
                wait = min(wait, MAX_WAIT_SECONDS)
                logger.info(
                    "national register rate limit, waiting",
                    extra={"operation": operation, "seconds": wait, "attempt": attempt},
                )
                self.sleep(wait)
                continue
            if status == 401 and not retried_token:
                retried_token = True
                self._token = None
                continue
            if status == 404 and missing_ok:
                return None
            if 200 <= status < 300:
                return response
            detail = _detail(response)
            raise NationalError(
                f"{operation}: HTTP {status}" + (f" {detail}" if detail else ""),
                status=status,
                operation=operation,
            )

    @staticmethod
    def _json(response: httpx.Response | None):
        if response is None or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    # -- operations (operationId in the description) ------------------------------------

    def list_algorithms(self) -> list[dict]:
        """get_all_algorithms: summaries of every algorithm we may edit."""
        body = self._json(self._request("get_all_algorithms", "GET", "/algorithms"))
        return body if isinstance(body, list) else []

    def create(self, payload: dict) -> str:
        """create_one_algorithm: returns the new national id (lars)."""
        body = self._json(
            self._request("create_one_algorithm", "POST", "/algorithms", json_body=payload)
        )
        lars = body.get("lars_code") if isinstance(body, dict) else None
        if not isinstance(lars, str) or not lars:
            raise NationalError(
                "create_one_algorithm: answer without lars_code", operation="create"
            )
        return lars

    def update(self, lars: str, payload: dict) -> None:
        """update_one_algorithm: a new version; not yet released or published."""
        self._request(
            "update_one_algorithm", "PUT", f"/algorithms/{quote(lars, safe='')}", json_body=payload
        )

    def get(self, lars: str) -> dict | None:
        """get_one_algorithm: the newest version (not necessarily published)."""
        return self._json(
            self._request(
                "get_one_algorithm", "GET", f"/algorithms/{quote(lars, safe='')}", missing_ok=True
            )
        )

    def get_published(self, lars: str) -> dict | None:
        """get_one_published_algorithm: the published version; None when there is none."""
        return self._json(
            self._request(
                "get_one_published_algorithm",
                "GET",
                f"/published-algorithms/{quote(lars, safe='')}",
                missing_ok=True,
            )
        )

    def preview_url(self, lars: str) -> str:
        """get_one_preview_url: a link to view the newest version before publication."""
        body = self._json(
            self._request(
                "get_one_preview_url", "GET", f"/algorithms/{quote(lars, safe='')}/preview"
            )
        )
        return body.get("url", "") if isinstance(body, dict) else ""

    def release(self, lars: str) -> None:
        """release_one_algorithm: hand the newest version to BZK for inspection and
        publication."""
        self._request("release_one_algorithm", "PUT", f"/algorithms/{quote(lars, safe='')}/release")

    def retract(self, lars: str) -> None:
        """retract_one_published_algorithm: take the published version off the public site."""
        self._request(
            "retract_one_published_algorithm",
            "DELETE",
            f"/published-algorithms/{quote(lars, safe='')}/retract",
        )

    def archive_version(self, lars: str, version_id: int) -> None:
        """archive_algorithm_version (the API names the version by its own id)."""
        self._request(
            "archive_algorithm_version",
            "PUT",
            f"/algorithms/{quote(lars, safe='')}/archive_version",
            json_body={"algorithm_version_id": version_id},
        )

    def unarchive_version(self, lars: str, version_id: int) -> None:
        """unarchive_algorithm_version."""
        self._request(
            "unarchive_algorithm_version",
            "PUT",
            f"/algorithms/{quote(lars, safe='')}/unarchive_version",
            json_body={"algorithm_version_id": version_id},
        )
