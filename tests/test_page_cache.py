"""The public page cache: hits for anonymous readers, never stale after a publication,
never for signed-in users."""

from portal.extensions import db
from register import operations
from tests.conftest import entry_data


def test_cached_until_the_next_publication(client, publish_entry):
    algorithm = publish_entry(slug="parkeervergunning", name="Parkeervergunning")
    first = client.get("/algoritmes/parkeervergunning")
    second = client.get("/algoritmes/parkeervergunning")
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == "hit"
    assert second.data == first.data
    assert second.headers["Content-Security-Policy"]  # headers still applied on a hit

    operations.publish(db.session, algorithm, entry_data(name="Parkeervergunning nieuw"))
    db.session.commit()
    fresh = client.get("/algoritmes/parkeervergunning")
    assert fresh.headers["X-Cache"] == "miss"
    assert "Parkeervergunning nieuw" in fresh.get_data(as_text=True)
    api = client.get("/api/v1/algorithms/parkeervergunning")
    assert api.json["name"] == "Parkeervergunning nieuw"


def test_languages_are_cached_apart(client, publish_entry):
    publish_entry(slug="parkeervergunning")
    dutch = client.get("/algoritmes").get_data(as_text=True)
    client.get("/taal/en")
    english = client.get("/algoritmes").get_data(as_text=True)
    assert 'lang="nl"' in dutch
    assert 'lang="en"' in english


def test_signed_in_pages_are_not_cached(client, users, login_as, publish_entry):
    publish_entry(slug="parkeervergunning")
    login_as(users["admin"])
    for _ in range(2):
        response = client.get("/algoritmes/parkeervergunning")
        assert "X-Cache" not in response.headers
        assert users["admin"].name in response.get_data(as_text=True)
