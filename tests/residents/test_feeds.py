"""Atom feeds per entry, per department and per theme, beside the register-wide one; every
link on SITE_URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.extensions import db
from register import operations
from tests.conftest import entry_data

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "http://127.0.0.1:5000"


def _feed(client, path: str) -> ET.Element:
    response = client.get(path, headers={"Host": "register.test"})
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)  # noqa: S314 - our own feed


def _links(element: ET.Element, rel: str) -> list[str]:
    return [
        link.get("href")
        for link in element.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == rel
    ]


def _entry_links(root: ET.Element) -> list[str]:
    return [_links(entry, "alternate")[0] for entry in root.findall(f"{ATOM}entry")]


def _world(publish_entry):
    parking = publish_entry(slug="parkeren")
    operations.publish(db.session, parking, entry_data(goal="<p>Nieuw.</p>"), "Doel bijgewerkt")
    db.session.commit()
    publish_entry(
        slug="afval", name="Afvalroutes", department="Stadsbeheer", category=["Natuur en milieu"]
    )


def test_an_entry_has_its_own_feed(client, publish_entry):
    _world(publish_entry)
    root = _feed(client, "/algoritmes/parkeren/feed.atom")
    assert _links(root, "self") == [f"{SITE}/algoritmes/parkeren/feed.atom"]
    assert _links(root, "alternate") == [f"{SITE}/algoritmes/parkeren"]
    assert _entry_links(root) == [
        f"{SITE}/algoritmes/parkeren/versies/2",
        f"{SITE}/algoritmes/parkeren/versies/1",
    ]
    assert "Parkeervergunning" in root.find(f"{ATOM}title").text
    assert client.get("/algoritmes/bestaat-niet/feed.atom").status_code == 404


def test_a_department_and_a_theme_have_feeds(client, publish_entry):
    _world(publish_entry)
    department = _feed(client, "/afdelingen/Stadsbeheer/feed.atom")
    assert _links(department, "self") == [f"{SITE}/afdelingen/Stadsbeheer/feed.atom"]
    assert _entry_links(department) == [f"{SITE}/algoritmes/afval/versies/1"]
    theme = _feed(client, "/themas/Verkeer/feed.atom")
    assert _links(theme, "self") == [f"{SITE}/themas/Verkeer/feed.atom"]
    assert {link.split("/")[4] for link in _entry_links(theme)} == {"parkeren"}
    assert client.get("/afdelingen/Onbekend/feed.atom").status_code == 404
    assert client.get("/themas/Onbekend/feed.atom").status_code == 404
    # The register-wide feed still has everything.
    assert len(_entry_links(_feed(client, "/feed.atom"))) == 3


def test_the_subscribe_page_lists_the_feeds(client, publish_entry):
    _world(publish_entry)
    page = client.get("/abonneren").get_data(as_text=True)
    assert "/afdelingen/Stadsbeheer/feed.atom" in page
    assert "/themas/Verkeer/feed.atom" in page
    entry = client.get("/algoritmes/parkeren").get_data(as_text=True)
    assert "/algoritmes/parkeren/feed.atom" in entry
    assert "/abonneren?algoritme=parkeren" in entry
