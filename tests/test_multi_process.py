"""Two app servers (gunicorn on two ports) against one database and one Redis, as behind a
load balancer: nothing that matters may live in one process.

- failed logins counted on one server hold on the other (the login delay and limits);
- the token API's budget is one budget over both servers;
- a publication is visible on the very next request to the other server, and a page one
  server rendered is served from the shared cache by the other;
- a session started on one server works on the other, and a form whose CSRF token one
  server issued is accepted by the other.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from portal.auth import operations as accounts
from portal.extensions import db
from tests.assessments.test_server_stress import Server
from tests.conftest import PASSWORD
from tests.redis_support import redis_space  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


class Browser:
    """One client over both servers: cookies are kept by hand, because the servers (in
    production mode) mark them Secure and a cookie jar would not send them over http."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    def __call__(self, url: str, method: str = "GET", **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(
            method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for line in response.raw.headers.getlist("Set-Cookie"):
            name, _, value = line.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        self.http.cookies.clear()
        return response


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def two_servers(app, redis_space):  # noqa: F811 - the fixture
    running = []

    def start(**env) -> tuple[Server, Server]:
        for _ in range(2):
            server = Server(app.config["SQLALCHEMY_DATABASE_URI"])
            server.env.update(redis_space.env)
            server.env.update({"TRUSTED_HOSTS": "127.0.0.1", **env})
            running.append(server)
        with ThreadPoolExecutor(2) as starting:  # in parallel: each takes a few seconds
            list(starting.map(Server.start, running))
        return running[0], running[1]

    yield start
    for server in running:
        server.stop()


def _person(roles: set[str]):
    user = accounts.create_user(
        db.session,
        None,
        f"twee-{uuid.uuid4().hex[:8]}@utrecht.example",
        "Tess Twee",
        roles,
        password=PASSWORD,
    )
    db.session.commit()
    return user


def _login(browser: Browser, server: Server, email: str, password: str) -> requests.Response:
    page = browser(server.url + "/intern/inloggen")
    return browser(
        server.url + "/intern/inloggen",
        "POST",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )


def test_login_limits_sessions_csrf_and_the_page_cache_hold_across_two_servers(
    two_servers, publish_entry
):
    person = _person({"submitter"})
    token = accounts.issue_token(db.session, None, person, "twee servers")[1]
    db.session.commit()
    first, second = two_servers(API_RATE_LIMIT_PER_TOKEN="6 per minute")
    assert first.port != second.port

    # The login delay: four free failures, alternating servers; the fifth (on either) locks.
    stranger = Browser()
    for attempt in range(5):
        server = (first, second)[attempt % 2]
        assert _login(stranger, server, person.email, "verkeerd").status_code == 401
    for server in (first, second):
        locked = _login(stranger, server, person.email, PASSWORD)
        assert locked.status_code == 429, "the lock set on one server must hold on the other"
        assert int(locked.headers["Retry-After"]) > 0

    # The token API: one budget of 6 per minute over both servers.
    statuses = [
        requests.get(
            (first, second)[n % 2].url + "/api/v1/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).status_code
        for n in range(8)
    ]
    assert statuses == [200] * 6 + [429] * 2

    # The page cache: one server renders, the other serves that page from Redis; after a
    # publication the next request to either shows it.
    reader = requests.Session()
    assert reader.get(first.url + "/algoritmes", timeout=30).headers["X-Cache"] == "miss"
    cached = reader.get(second.url + "/algoritmes", timeout=30)
    assert cached.headers["X-Cache"] == "hit"
    assert "Slim vegen" not in cached.text
    publish_entry(slug="slim-vegen", name="Slim vegen")
    db.session.commit()
    fresh = reader.get(second.url + "/algoritmes", timeout=30)
    assert fresh.status_code == 200
    assert "Slim vegen" in fresh.text
    assert "Slim vegen" in reader.get(first.url + "/algoritmes", timeout=30).text

    # Sessions and CSRF: the login form comes from one server and is posted to the other;
    # the session works on both, and a form issued by one is accepted by the other.
    owner = Browser()
    page = owner(first.url + "/intern/inloggen")
    logged_in = owner(
        second.url + "/intern/inloggen",
        "POST",
        data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        headers={"X-Forwarded-For": "192.0.2.7"},  # ignored: no proxy is trusted
    )
    assert logged_in.status_code == 429  # this address is still locked for this account
    other_person = _person({"submitter"})
    page = owner(first.url + "/intern/inloggen")
    logged_in = owner(
        second.url + "/intern/inloggen",
        "POST",
        data={
            "email": other_person.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert logged_in.status_code == 302, logged_in.text[:500]
    form = owner(first.url + "/intern/tokens")
    assert form.status_code == 200
    created = owner(
        second.url + "/intern/tokens",
        "POST",
        data={"name": "script op de andere server", "csrf_token": csrf_token(form.text)},
    )
    assert created.status_code == 200, created.text[:500]
    assert "script op de andere server" in created.text
    assert owner(first.url + "/intern/tokens").status_code == 200
