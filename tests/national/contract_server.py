"""A local stand-in for the national register's submission API, on 127.0.0.1.

Every request and every answer is checked against the published OpenAPI description
(`aanleverapi-v1_0-openapi.json`) with openapi-core; what does not match is kept in
`violations` (and the request gets a 422, as the real FastAPI server would). It keeps state
like the real one: create gives a national id (lars), update makes a new version, release
hands it over (and, unless `auto_publish` is off, BZK "publishes" it at once), retract
hides the published version, archive_version/unarchive_version mark a version. Tokens come
from its own client-credentials endpoint (`/token`, as Keycloak's).

Test controls: `fail(name_or_lars, status, times=..., retry_after=...)` answers one entry's
requests with 429 or 500; `edit_nationally(lars, **changes)` is someone editing (and
publishing) the entry in the national register; `publish(lars)` is BZK publishing.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from register.national.spec import BASE_PATH, normalised_spec

CLIENT_ID = "utrecht-register"
CLIENT_SECRET = "s3cret-for-tests-only"
ORGANISATION_ID = "gm0344"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@functools.cache
def contract_openapi() -> OpenAPI:
    """The description as the server checks it: the published one (spec.normalised_spec),
    built once. Its OAuth2 scheme is checked as what it is on the wire, an
    `Authorization: Bearer` header (RFC 6750): openapi-core does not check OAuth2. Its server
    is relative (`/aanleverapi/v1_0`), so it matches this server at any port."""
    document = normalised_spec()
    document["components"]["securitySchemes"]["OAuth2AuthorizationCodeBearer"] = {
        "type": "http",
        "scheme": "bearer",
    }
    return OpenAPI.from_dict(document)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class NationalAlgorithm:
    lars: str
    versions: list[dict] = field(default_factory=list)  # content as sent, newest last
    released: bool = False
    published: dict | None = None  # the published content plus publication_dt
    published_version: int | None = None
    last_update_dt: str = field(default_factory=_now)
    create_dt: str = field(default_factory=_now)
    archived: set[int] = field(default_factory=set)

    def record(self, content: dict) -> dict:
        return {
            **content,
            "lars": self.lars,
            "create_dt": self.create_dt,
            "language": "NLD",
            "state": "PUBLISHED" if self.current_published else "STATE_1",
        }

    @property
    def current_published(self) -> bool:
        return self.published_version == len(self.versions)


@dataclass
class Failure:
    status: int
    times: int
    retry_after: str | None


class ContractServer:
    def __init__(self) -> None:
        self.algorithms: dict[str, NationalAlgorithm] = {}
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (method, path) of API calls
        self.violations: list[str] = []
        self.failures: dict[str, Failure] = {}
        self.auto_publish = True
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.openapi = contract_openapi()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- life ---------------------------------------------------------------------------

    def start(self) -> ContractServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def api_url(self) -> str:
        return self.base_url + BASE_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    def config(self) -> dict:
        return {
            "NATIONAL_API_URL": self.api_url,
            "NATIONAL_ORGANISATION_ID": ORGANISATION_ID,
            "NATIONAL_TOKEN_URL": self.token_url,
            "NATIONAL_CLIENT_ID": CLIENT_ID,
            "NATIONAL_CLIENT_SECRET": CLIENT_SECRET,
        }

    # -- test controls ------------------------------------------------------------------

    def fail(
        self, key: str, status: int, *, times: int = 1_000, retry_after: str | None = None
    ) -> None:
        """Answer requests about one entry (its name in a body, or its lars in the path), or
        one action for every entry (`release`, `retract`, ...), with `status`."""
        self.failures[key] = Failure(status, times, retry_after)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m in ("POST", "PUT", "DELETE")]

    def seed(self, content: dict) -> str:
        """An algorithm already in the national register (entered there, published)."""
        lars = f"{next(self._ids):08d}"
        self.algorithms[lars] = NationalAlgorithm(lars=lars, versions=[copy.deepcopy(content)])
        self.publish(lars)
        return lars

    def publish(self, lars: str) -> None:
        item = self.algorithms[lars]
        item.published = {**item.versions[-1], "publication_dt": _now()}
        item.published_version = len(item.versions)
        item.released = False
        item.last_update_dt = _now()

    def edit_nationally(self, lars: str, **changes) -> None:
        """Someone changes the entry in the national register's own editor, and it is
        published."""
        item = self.algorithms[lars]
        item.versions.append({**item.versions[-1], **changes})
        item.last_update_dt = _now()
        self.publish(lars)

    # -- WSGI ---------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            if request.path == "/token":
                response = self._token(request)
            else:
                with self._lock:
                    response = self._api(request)
        except Exception as error:  # a bug here must fail the test, not hide as a 500
            self.violations.append(f"server error: {type(error).__name__}: {error}")
            response = _json({"detail": "contract server failed"}, 500)
        return response(environ, start_response)

    def _token(self, request: Request) -> Response:
        form = request.form
        if request.method != "POST" or form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _json({"error": "invalid_client"}, 401)
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return _json({"access_token": token, "token_type": "Bearer", "expires_in": 300}, 200)

    def _api(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        openapi_request = WerkzeugOpenAPIRequest(request)
        result = self.openapi.unmarshal_request(openapi_request)
        if result.errors:
            detail = "; ".join(_describe(error) for error in result.errors)
            self.violations.append(f"request {request.method} {request.path}: {detail}")
            response = _json({"detail": [{"loc": ["body"], "msg": detail, "type": "x"}]}, 422)
        else:
            response = self._answer(request, dict(result.parameters.path))
        if response.status_code == 500:
            return response  # a failure the test asked for: no description covers a 500
        check = self.openapi.unmarshal_response(openapi_request, WerkzeugOpenAPIResponse(response))
        if check.errors:
            detail = "; ".join(_describe(error) for error in check.errors)
            self.violations.append(
                f"response {response.status_code} to {request.method} {request.path}: {detail}"
            )
        return response

    def _answer(self, request: Request, path: dict) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _json({"detail": "Not authenticated"}, 401)
        if path.get("organisation_id") != ORGANISATION_ID:
            return _json({"detail": "Organisation not found"}, 404)
        lars = path.get("algorithm_id")
        body = request.get_json(silent=True) if request.data else None
        suffix = request.path[len(BASE_PATH) :].split("/")[3:]  # after organizations/<id>/
        action = suffix[2] if len(suffix) > 2 else ""
        for key in (lars, (body or {}).get("name"), action):
            failure = self.failures.get(key) if key else None
            if failure is not None and failure.times > 0:
                failure.times -= 1
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                message = "Too Many Requests" if failure.status == 429 else "Server Error"
                return _json({"detail": message}, failure.status, headers)
        method = request.method
        if suffix == ["algorithms"]:
            return self._create(body) if method == "POST" else self._list()
        item = self.algorithms.get(lars)
        if item is None:
            return _json({"detail": "Algorithm not found"}, 404)
        if suffix[0] == "published-algorithms":
            if action == "retract":
                if item.published is None:
                    return _json({"detail": "No published version"}, 404)
                item.published = None
                item.published_version = None
                item.last_update_dt = _now()
                return _json({}, 200)
            if item.published is None:
                return _json({"detail": "No published version"}, 404)
            return _json(item.record(item.published), 200)
        if action == "":
            if method == "GET":
                return _json(item.record(item.versions[-1]), 200)
            item.versions.append(copy.deepcopy(body))
            item.released = False
            item.last_update_dt = _now()
            return _json({"message": "Algorithm updated"}, 200)
        if action == "release":
            if item.released or item.current_published:
                return _json({"detail": "Version already released"}, 409)
            item.released = True
            item.last_update_dt = _now()
            if self.auto_publish:
                self.publish(lars)
            return _json({"message": "Algorithm released"}, 200)
        if action == "preview":
            return _json({"url": f"{self.base_url}/preview/{lars}"}, 200)
        if action == "archive_version":
            item.archived.add(body["algorithm_version_id"])
            return _json({}, 200)
        if action == "unarchive_version":
            item.archived.discard(body["algorithm_version_id"])
            return _json({}, 200)
        return _json({"detail": "Not found"}, 404)

    def _create(self, body: dict) -> Response:
        lars = f"{next(self._ids):08d}"
        self.algorithms[lars] = NationalAlgorithm(lars=lars, versions=[copy.deepcopy(body)])
        return _json({"lars_code": lars}, 200)

    def _list(self) -> Response:
        return _json(
            [
                {
                    "name": item.versions[-1].get("name"),
                    "schema_version": "1.0",
                    "last_update_dt": item.last_update_dt,
                    "lars": item.lars,
                    "source_id": item.versions[-1].get("source_id"),
                    "published": item.published is not None,
                    "current_version_released": item.released,
                    "current_version_published": item.current_published,
                    "last_update_by": None,
                }
                for item in self.algorithms.values()
            ],
            200,
        )


def _describe(error: Exception) -> str:
    causes = getattr(error, "schema_errors", None) or []
    parts = [str(error)] + [
        f"{'.'.join(map(str, cause.path))}: {cause.message}" for cause in causes
    ]
    return " | ".join(parts)


def _json(body, status: int, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, mimetype="application/json"
    )
