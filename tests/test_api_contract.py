"""The API keeps its word: version numbers match the site, 405s say what is allowed, and
the OpenAPI description says what the answers really are."""

import re

from portal.extensions import db
from register import operations
from tests.conftest import entry_data


def _publish_with_a_draft_between(slug: str) -> None:
    """Published v1, draft v2, published v3: the site links versies/3."""
    algorithm = operations.create_algorithm(db.session, entry_data(), slug=slug)
    db.session.flush()
    operations.publish(db.session, algorithm, entry_data(), "eerste")
    operations.save_draft(db.session, algorithm, entry_data(name="Concept"), "concept")
    operations.publish(db.session, algorithm, entry_data(name="Nieuwe naam"), "tweede")
    db.session.commit()


def _site_latest_version(client, slug: str) -> int:
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    numbers = [int(n) for n in re.findall(rf"/algoritmes/{slug}/versies/(\d+)", page)]
    assert numbers, "the entry page links its versions"
    return max(numbers)


def test_api_version_is_the_number_the_site_links(client):
    _publish_with_a_draft_between("met-concept")
    site = _site_latest_version(client, "met-concept")
    assert site == 3
    assert client.get(f"/algoritmes/met-concept/versies/{site}").status_code == 200
    assert client.get("/api/v1/algorithms/met-concept").json["version"] == site
    items = client.get("/api/v1/algorithms").json["items"]
    assert [item["version"] for item in items if item["slug"] == "met-concept"] == [site]


def test_list_items_carry_an_integer_version(client, publish_entry):
    publish_entry(slug="een")
    item = client.get("/api/v1/algorithms").json["items"][0]
    assert item["version"] == 1
    spec = client.get("/api/openapi.json").json
    version = spec["components"]["schemas"]["AlgorithmSchema"]["properties"]["version"]
    assert version["type"] == "integer"
    assert not version.get("nullable")
    assert "version" in spec["components"]["schemas"]["AlgorithmSchema"]["required"]


def test_405_carries_allow_for_json_and_html(client):
    api = client.post("/api/v1/algorithms")
    assert api.status_code == 405
    assert api.json["error"]["code"] == "method_not_allowed"
    assert set(api.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    page = client.delete("/algoritmes")
    assert page.status_code == 405
    assert "GET" in page.headers["Allow"]
    assert "text/html" in page.content_type
