"""Open data as a journalist or script uses it: CSV, JSON, Atom, the API and its spec."""

import csv
import io
import json
import xml.etree.ElementTree as ET

from portal.extensions import db
from register import operations
from register.standard import NATIONAL_FIELD_NAMES

ATOM = "{http://www.w3.org/2005/Atom}"


def test_json_export_lists_all_published_entries_with_national_names(client, publish_entry):
    publish_entry(slug="a", name="Alpha")
    publish_entry(slug="b", name="Beta", category=["Werk", "Sociale zekerheid"])
    records = client.get("/algoritmes.json").json
    assert [r["id"] for r in records] == ["a", "b"]
    assert set(NATIONAL_FIELD_NAMES) <= set(records[1])
    assert records[1]["category"] == ["Werk", "Sociale zekerheid"]
    assert records[0]["objection_procedure"].startswith("<p>")


def test_csv_export_opens_in_spreadsheets_and_parses_back(client, publish_entry):
    publish_entry(slug="a", name='Financiën, "quotes" en komma\'s', category=["Overheidsfinanciën"])
    response = client.get("/algoritmes.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0]["name"] == 'Financiën, "quotes" en komma\'s'
    assert json.loads(rows[0]["category"]) == ["Overheidsfinanciën"]


def test_atom_feed_lists_each_published_change(client, publish_entry):
    algorithm = publish_entry(slug="a", name="Alpha", summary="Gepubliceerd")
    operations.publish(
        db.session, algorithm, {**algorithm.content, "status": "Buiten gebruik"}, "Gestopt"
    )
    db.session.commit()
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own feed, parsed in a test
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    newest = entries[0]
    assert "versie 2" in newest.find(f"{ATOM}title").text
    assert newest.find(f"{ATOM}link").get("href").endswith("/algoritmes/a/versies/2")
    assert "status" in newest.find(f"{ATOM}summary").text


def test_api_list_is_paginated_in_the_stable_shape(client, publish_entry):
    for number in range(5):
        publish_entry(slug=f"e{number}", name=f"Algoritme {number}")
    body = client.get("/api/v1/algorithms?per_page=2&page=2").json
    assert set(body) == {"items", "total", "total_is_exact", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (5, 2, 2)
    assert [item["slug"] for item in body["items"]] == ["e2", "e3"]
    item = body["items"][0]
    assert set(NATIONAL_FIELD_NAMES) <= set(item)
    # Built from SITE_URL, never from the request's Host header.
    site = client.application.config["SITE_URL"].rstrip("/")
    assert item["register_url"] == f"{site}/algoritmes/e2"


def test_api_limits_page_size_and_survives_nonsense(client, publish_entry):
    publish_entry(slug="a")
    # Out of range or not a number: refused with the parameter named (the description says
    # integer, per_page at most 100), not quietly read as something else.
    assert client.get("/api/v1/algorithms?per_page=100000").status_code == 422
    assert client.get("/api/v1/algorithms?per_page=-3&page=x").json["error"]["fields"].keys() == {
        "per_page",
        "page",
    }
    assert client.get("/api/v1/algorithms?risk_level=9").status_code == 422
    assert client.get("/api/v1/algorithms?per_page=100&status=").json["total"] == 1


def test_api_single_entry_and_json_errors(client, publish_entry):
    publish_entry(slug="a", name="Alpha")
    body = client.get("/api/v1/algorithms/a").json
    assert body["name"] == "Alpha"
    assert body["version"] == 1
    assert body["slug"] == "a"
    missing = client.get("/api/v1/algorithms/none")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    not_allowed = client.post("/api/v1/algorithms")
    assert not_allowed.status_code == 405
    assert not_allowed.json["error"]["code"] == "method_not_allowed"
    assert client.get("/api/v2/nothing").json["error"]["code"] == "not_found"


def test_openapi_document_describes_the_public_api(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/algorithms", "/api/v1/algorithms/{slug}"} <= set(spec["paths"])
    properties = spec["components"]["schemas"]["AlgorithmSchema"]["properties"]
    assert {"slug", "name", "lawful_basis_grouping", "objection_procedure"} <= set(properties)
    listing = spec["components"]["schemas"]["AlgorithmListSchema"]["properties"]
    assert set(listing) == {"items", "total", "total_is_exact", "page", "per_page"}
