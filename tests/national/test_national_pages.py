"""The admin page of national states and the public API's `national` field."""

from __future__ import annotations

import datetime as dt

from portal.extensions import db
from register import operations
from register.models import Algorithm, NationalDelivery
from tests.conftest import entry_data


def _states(page: str) -> dict[str, str]:
    """{entry name: the row's data-state} from the admin page."""
    import re

    rows = re.findall(
        r'<tr class="utrecht-table__row" data-state="(\w+)">\s*<td[^>]*>(.*?)</td>', page, re.S
    )
    return {re.sub(r"<[^>]+>", "", cell).strip(): state for state, cell in rows}


def test_admin_page_shows_each_state(national, run_sync, publish_entry, client, users, login_as):
    in_sync = publish_entry(name="Altijd gelijk")
    ours_newer = publish_entry(name="Hier gewijzigd")
    national_newer = publish_entry(name="Daar gewijzigd")
    failed = publish_entry(name="Kapotte aanlevering")
    retired = publish_entry(name="Buiten gebruik gesteld")
    national.fail("Kapotte aanlevering", 500)
    run_sync()
    publish_entry(name="Nog nooit aangeleverd")
    operations.publish(
        db.session, ours_newer, entry_data(name="Hier gewijzigd", goal="<p>Nieuw.</p>")
    )
    operations.retire(db.session, retired, "2026-11-01")
    db.session.commit()
    lars = db.session.get(Algorithm, national_newer.id).lars
    national.edit_nationally(lars, goal="<p>Daar aangepast.</p>")
    run_sync("--slug", national_newer.slug)
    run_sync("--slug", retired.slug)
    login_as(users["admin"])

    response = client.get("/intern/beheer/landelijk-register")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _states(page) == {
        "Altijd gelijk": "in_sync",
        "Hier gewijzigd": "ours_newer",
        "Daar gewijzigd": "national_newer",
        "Kapotte aanlevering": "failed",
        "Buiten gebruik gesteld": "retracted",
        "Nog nooit aangeleverd": "not_delivered",
    }
    assert "Landelijk register" in page
    assert "Reden:" in page
    assert "HTTP 500" in page
    assert "aangeleverd en gelijk" in page
    assert in_sync.slug in page
    assert failed.slug in page


def test_admin_page_in_english(national, publish_entry, client, users, login_as):
    publish_entry()
    login_as(users["admin"])

    page = client.get("/intern/beheer/landelijk-register?lang=en").get_data(as_text=True)

    assert "never delivered" in page


def test_admin_page_is_for_admins_only(client, users, login_as):
    login_as(users["reviewer"])
    assert client.get("/intern/beheer/landelijk-register").status_code == 403


def test_public_api_national_is_null_before_any_delivery(client, publish_entry):
    algorithm = publish_entry()

    body = client.get(f"/api/v1/algorithms/{algorithm.slug}").get_json()

    assert body["national"] is None


def test_public_api_national_after_delivery(national, run_sync, client, publish_entry):
    algorithm = publish_entry()
    run_sync()
    lars = db.session.get(Algorithm, algorithm.id).lars
    delivered_at = db.session.get(NationalDelivery, algorithm.id).delivered_at

    body = client.get(f"/api/v1/algorithms/{algorithm.slug}").get_json()

    assert body["national"]["lars"] == lars
    assert body["national"]["state"] == "in_sync"
    assert dt.datetime.fromisoformat(body["national"]["delivered_at"]) == delivered_at
    assert set(body["national"]) == {"lars", "state", "delivered_at"}

    operations.publish(db.session, algorithm, entry_data(goal="<p>Nieuw doel.</p>"))
    db.session.commit()
    body = client.get(f"/api/v1/algorithms/{algorithm.slug}").get_json()
    assert body["national"]["state"] == "ours_newer"


def test_public_api_national_for_an_entry_known_there_but_not_delivered(client, publish_entry):
    algorithm = publish_entry()
    db.session.get(Algorithm, algorithm.id).lars = "a1b2c3d4"
    db.session.commit()

    body = client.get(f"/api/v1/algorithms/{algorithm.slug}").get_json()

    assert body["national"] == {"lars": "a1b2c3d4", "state": "not_delivered", "delivered_at": None}


def test_the_list_does_not_carry_national(client, publish_entry):
    publish_entry()
    item = client.get("/api/v1/algorithms").get_json()["items"][0]
    assert "national" not in item
