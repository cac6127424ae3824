"""Our entries as the API's AlgorithmIn, checked against its published description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from register.national import payloads
from register.national.spec import normalised_spec, payload_problems, published_spec
from register.standard import clean_entry
from tests.conftest import SHARED_DATA, entry_data

DEMO = json.loads(
    (Path(payloads.__file__).parent.parent / "demo" / "algorithms.json").read_text(encoding="utf-8")
)


def test_the_vendored_description_is_the_published_one():
    reference = SHARED_DATA / "nl-standard" / "aanleverapi-v1_0-openapi.json"
    if not reference.exists():
        pytest.skip("../shared/ is not beside the project")
    assert published_spec() == json.loads(reference.read_text(encoding="utf-8"))


def test_the_repair_drops_only_the_enum_type():
    def count(node, predicate) -> int:
        if isinstance(node, dict):
            return predicate(node) + sum(count(v, predicate) for v in node.values())
        if isinstance(node, list):
            return sum(count(v, predicate) for v in node)
        return 0

    published, repaired = published_spec(), normalised_spec()
    assert count(published, lambda n: n.get("type") == "enum") > 0
    assert count(repaired, lambda n: n.get("type") == "enum") == 0
    assert count(repaired, lambda n: "$ref" in n) == count(published, lambda n: "$ref" in n)


def test_an_entry_maps_to_a_valid_body():
    body = payloads.algorithm_in(entry_data(), register_url="https://register.test/a/x")

    assert payload_problems(body) == []
    assert body["url"] == "https://register.test/a/x"
    assert body["standard_version"] == "1.0"
    assert "objection_procedure" not in body
    assert "department" not in body
    assert "end_date" not in body  # empty fields are left out, never null


def test_every_demo_entry_maps_to_a_valid_body():
    for raw in DEMO:
        entry, _ = clean_entry(raw)
        body = payloads.algorithm_in(entry, register_url="https://register.test/x")
        assert payload_problems(body) == [], raw["slug"]


def test_the_entry_own_source_registry_link_wins():
    body = payloads.algorithm_in(entry_data(url="https://elders.test/x"), register_url="https://r")
    assert body["url"] == "https://elders.test/x"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": "Gepland"}, "status: 'Gepland' is not one of"),
        ({"name": None}, "'name' is a required property"),
        ({"category": ["Onbekend"]}, "category"),
        ({"goal": "<p>" + "a" * 2501 + "</p>"}, "goal: longer than 2500 characters without HTML"),
        ({"goal": "<b>vet</b>"}, "goal: HTML tags not allowed: b"),
        ({"name": "<p>Naam</p>"}, "name: HTML is not allowed here"),
        ({"lawful_basis_grouping": [{"title": "Wet"}]}, "'link' is a required property"),
    ],
)
def test_problems_the_description_finds(change, problem):
    body = payloads.algorithm_in(entry_data(), register_url="https://r")
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    assert any(problem in p for p in payload_problems(body)), payload_problems(body)


def test_html_counts_without_its_tags():
    body = payloads.algorithm_in(
        entry_data(goal="<p>" + "a" * 2490 + "</p><ul><li>b</li></ul>"), register_url="https://r"
    )
    assert payload_problems(body) == []


def test_digest_ignores_key_order_and_national_envelope():
    body = payloads.algorithm_in(entry_data(), register_url="https://r")
    national = {
        **dict(reversed(list(body.items()))),
        "lars": "x",
        "create_dt": "2026-01-01T00:00:00",
        "state": "PUBLISHED",
        "language": "NLD",
        "end_date": None,
    }
    assert payloads.digest(national) == payloads.digest(body)
    assert payloads.digest({**body, "goal": "<p>anders</p>"}) != payloads.digest(body)
