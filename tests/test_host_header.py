"""The Host header is the client's text: unknown hosts are refused, and no link, cached page
or invitation is ever built from it (SITE_URL is the only base for absolute links)."""

import re
from xml.etree import ElementTree

import pytest

from portal import create_app
from portal.security import default_trusted_hosts
from tests.conftest import invite_nina

POISON = "phish.example"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(app) -> str:
    return app.config["SITE_URL"].rstrip("/")


@pytest.fixture
def alias_host(app):
    """A second host name the site is configured to answer to."""
    app.config["TRUSTED_HOSTS"] = [*app.config["TRUSTED_HOSTS"], "alias.register.test"]
    yield "alias.register.test"
    app.config["TRUSTED_HOSTS"].remove("alias.register.test")


def public_urls(slug: str) -> list[str]:
    return [
        "/",
        "/feed.atom",
        "/api/v1/algorithms",
        f"/api/v1/algorithms/{slug}",
        f"/algoritmes/{slug}",
        "/algoritmes",
    ]


def test_an_unknown_host_gets_400_with_a_clear_message(client, site):
    page = client.get("/", headers={"Host": POISON})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Dit webadres is niet van ons" in text
    assert site in text
    assert POISON not in text  # the attacker's text is never echoed
    english = client.get("/?lang=en", headers={"Host": POISON})
    assert "This web address is not one of ours" in english.get_data(as_text=True)
    api = client.get("/api/v1/algorithms", headers={"Host": f"{POISON}:443"})
    assert api.status_code == 400
    assert api.json["error"]["code"] == "unknown_host"


def test_unknown_hosts_are_refused_before_forms_and_logins(client, users):
    response = client.post(
        "/intern/inloggen",
        data={"email": "data@utrecht.nl", "password": "x"},
        headers={"Host": POISON},
    )
    assert response.status_code == 400
    assert "Dit webadres is niet van ons" in response.get_data(as_text=True)


def test_a_poisoned_host_never_reaches_the_cache_or_any_output(client, publish_entry, site):
    publish_entry(slug="parkeren")
    for _round in range(4):  # the attack in the report: four requests fill the cache
        for url in public_urls("parkeren"):
            assert client.get(url, headers={"Host": POISON}).status_code == 400
    for url in public_urls("parkeren"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["X-Cache"] == "miss", url  # nothing was stored for them
        assert POISON not in response.get_data(as_text=True), url
    feed = ElementTree.fromstring(client.get("/feed.atom").data)  # noqa: S314 - our own feed
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links
    assert all(link.startswith(site + "/") for link in links), links


def test_links_come_from_site_url_even_on_a_trusted_second_host(
    client, publish_entry, site, alias_host
):
    publish_entry(slug="parkeren")
    feed = client.get("/feed.atom", headers={"Host": alias_host})
    api = client.get("/api/v1/algorithms/parkeren", headers={"Host": alias_host})
    listing = client.get("/api/v1/algorithms", headers={"Host": alias_host})
    assert feed.status_code == api.status_code == listing.status_code == 200
    assert alias_host not in feed.get_data(as_text=True)
    assert api.json["register_url"] == f"{site}/algoritmes/parkeren"
    assert listing.json["items"][0]["register_url"] == f"{site}/algoritmes/parkeren"
    # What the cache now holds is what every reader gets: still SITE_URL.
    again = client.get("/feed.atom")
    assert again.headers["X-Cache"] == "hit"
    assert f"{site}/algoritmes/parkeren/versies/1" in again.get_data(as_text=True)


def test_invitation_links_come_from_site_url(client, users, login_as, site):
    assert "register.test" not in site  # the host the test client sends differs from SITE_URL
    login_as(users["admin"])
    response = invite_nina(client)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(re.escape(site) + r"/intern/uitnodiging/[\w-]+", text)
    assert "//register.test/intern/uitnodiging" not in text


def test_forwarded_host_headers_are_never_believed(client, publish_entry, site):
    publish_entry(slug="parkeren")
    response = client.get(
        "/api/v1/algorithms/parkeren",
        headers={"X-Forwarded-Host": POISON, "X-Forwarded-Proto": "https", "Forwarded": POISON},
    )
    assert response.json["register_url"] == f"{site}/algoritmes/parkeren"


def test_default_trusted_hosts():
    production = {"SITE_URL": "https://algoritmes.utrecht.nl/", "PORTAL_ENV": "production"}
    assert default_trusted_hosts(production) == ["algoritmes.utrecht.nl"]
    development = {**production, "PORTAL_ENV": "development"}
    assert {"algoritmes.utrecht.nl", "localhost", "127.0.0.1"} <= set(
        default_trusted_hosts(development)
    )
    testing = {**production, "SERVER_NAME": "register.test:8080"}
    assert default_trusted_hosts(testing) == ["algoritmes.utrecht.nl", "register.test"]


def test_trusted_hosts_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRUSTED_HOSTS", "algoritmes.utrecht.nl, register.intern.utrecht.nl")
    app = create_app(
        {"SECRET_KEY": "x", "JSON_LOGS": False, "LOG_LEVEL": "WARNING", "TESTING": True}
    )
    assert app.config["TRUSTED_HOSTS"] == ["algoritmes.utrecht.nl", "register.intern.utrecht.nl"]
    client = app.test_client()
    assert client.get("/x", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/x", headers={"Host": "algoritmes.utrecht.nl"}).status_code == 404
