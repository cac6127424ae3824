"""The contract server itself refuses what the API's description refuses, both ways, so the
sync tests' "no violations" means something."""

from __future__ import annotations

import httpx
import pytest

from register.national.client import NationalClient, NationalError, NationalSettings
from tests.national.contract_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    ORGANISATION_ID,
    ContractServer,
    _json,
)

VALID = {
    "name": "Parkeervergunning",
    "description_short": "Controleert aanvragen.",
    "organization": "Gemeente Utrecht",
    "status": "In gebruik",
    "contact_email": "algoritmes@utrecht.nl",
    "publication_category": "Impactvolle algoritmes",
    "lang": "nld",
}


@pytest.fixture
def server():
    server = ContractServer().start()
    yield server
    server.stop()


def _client(server: ContractServer) -> NationalClient:
    return NationalClient(
        NationalSettings(
            server.api_url, ORGANISATION_ID, server.token_url, CLIENT_ID, CLIENT_SECRET
        )
    )


def test_a_body_against_the_description_is_refused_and_noted(server):
    client = _client(server)
    with pytest.raises(NationalError, match="HTTP 422"):
        client.create({**VALID, "status": "Gepland"})
    assert len(server.violations) == 1
    assert "request POST" in server.violations[0]
    assert server.algorithms == {}


def test_a_request_without_a_bearer_token_is_refused_and_noted(server):
    response = httpx.get(f"{server.api_url}/organizations/{ORGANISATION_ID}/algorithms")
    assert response.status_code == 422
    assert "request GET" in server.violations[0]


def test_an_answer_against_the_description_is_noted(server, monkeypatch):
    monkeypatch.setattr(server, "_list", lambda: _json([{"lars": 5}], 200))
    _client(server).list_algorithms()
    assert len(server.violations) == 1
    assert server.violations[0].startswith("response 200 to GET")


def test_valid_traffic_leaves_no_violation(server):
    client = _client(server)
    lars = client.create(VALID)
    client.release(lars)
    assert client.get_published(lars)["name"] == "Parkeervergunning"
    assert client.preview_url(lars).endswith(f"/preview/{lars}")
    client.archive_version(lars, 1)
    assert server.algorithms[lars].archived == {1}
    client.unarchive_version(lars, 1)
    assert server.algorithms[lars].archived == set()
    client.retract(lars)
    assert client.get_published(lars) is None
    assert server.violations == []
