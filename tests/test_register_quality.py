"""Quality of the register: completeness per entry and overall, and a link check that finds
dead addresses (tested against a local server, never the outside network)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from register.models import Algorithm
from register.quality.completeness import COUNTED_FIELDS, completeness
from register.quality.links import links_of
from tests.conftest import entry_data


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, with_body: bool) -> None:
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/no-head" and self.command == "HEAD":
            self.send_response(405)
        elif self.path in ("/ok", "/no-head", "/slow"):
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/gone")
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)

    def log_message(self, *_args):
        pass


@pytest.fixture
def link_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_completeness_counts_the_standard_and_utrecht_fields():
    full = completeness(entry_data())
    assert 0 < full.filled < full.total == len(COUNTED_FIELDS)
    assert "objection_procedure" not in full.missing
    assert "monitoring" in full.missing
    more = completeness(entry_data(monitoring="<p>Elk kwartaal een rapport.</p>"))
    assert more.filled == full.filled + 1
    assert "lang" not in COUNTED_FIELDS  # the portal fills metadata itself


def test_publication_stores_completeness_and_the_home_page_shows_the_average(client, publish_entry):
    first = publish_entry(slug="een", name="Een")
    second = publish_entry(slug="twee", name="Twee", monitoring="<p>Elk kwartaal.</p>")
    assert first.completeness == completeness(first.content).percent
    assert second.completeness > first.completeness
    average = round((first.completeness + second.completeness) / 2)
    html = client.get("/").get_data(as_text=True)
    assert f"{average}% van de velden" in html


def test_links_are_found_in_url_fields_and_groups():
    content = entry_data(
        website="https://www.utrecht.nl/parkeren",
        lawful_basis_grouping=[
            {"title": "Wegenverkeerswet", "link": "https://wetten.overheid.nl/BWBR0006622"}
        ],
    )
    assert {(link.field, link.url) for link in links_of(content)} == {
        ("website", "https://www.utrecht.nl/parkeren"),
        ("lawful_basis_grouping", "https://wetten.overheid.nl/BWBR0006622"),
    }


def test_check_links_stores_broken_ones_and_the_admin_page_lists_them(
    app, client, publish_entry, link_server, users, login_as
):
    publish_entry(
        slug="goed",
        name="Goed",
        website=f"{link_server}/ok",
        url=f"{link_server}/no-head",
    )
    publish_entry(
        slug="kapot",
        name="Kapot",
        website=f"{link_server}/gone",
        url=f"{link_server}/moved",
        process_index_url=f"{link_server}/slow",
        publiccode="http://127.0.0.1:9/refused",
    )
    result = app.test_cli_runner().invoke(args=["register", "check-links", "--timeout", "1"])
    assert result.exit_code == 0, result.output
    assert "2 entries, 6 links, 4 broken" in result.output
    assert f"broken  kapot  website  {link_server}/gone  (HTTP 404)" in result.output
    assert "(timeout)" in result.output  # the slow address
    assert "goed" not in result.output.replace("broken", "")

    login_as(users["submitter"])
    assert client.get("/intern/beheer/kwaliteit").status_code == 403
    login_as(users["admin"])
    page = client.get("/intern/beheer/kwaliteit").get_data(as_text=True)
    assert "4 kapotte links" in page
    assert f"{link_server}/gone" in page
    assert f"{link_server}/ok" not in page
    assert "geen antwoord op tijd" in page

    # A second run replaces the stored result: fixed links disappear from the page.
    kapot = db.session.scalar(db.select(Algorithm).where(Algorithm.slug == "kapot"))
    assert kapot is not None
    result = app.test_cli_runner().invoke(
        args=["register", "check-links", "--slug", "goed", "--timeout", "1"]
    )
    assert "1 entries, 2 links, 0 broken" in result.output
    assert "4 kapotte links" in client.get("/intern/beheer/kwaliteit").get_data(as_text=True)
