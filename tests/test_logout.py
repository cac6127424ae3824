"""Logging out ends the session for real: a copy of the cookie is refused afterwards, as it
is after a password change, and a session moved to another browser or address is refused."""

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations

from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token_from
from tests.test_auth import events, login

MIGRATION = (
    Path(__file__).resolve().parent.parent
    / "migrations/versions/20261201_5b8e2d4f6a13_session_tokens.py"
)


def copy_session(source, target) -> None:
    """What a thief does with a cookie read from a shared computer or a log."""
    cookie = source.get_cookie("session", domain="register.test")
    assert cookie is not None
    target.set_cookie("session", cookie.value, domain="register.test")


def logout(client):
    token = csrf_token_from(client.get("/intern/"))
    assert client.post("/intern/uitloggen", data={"csrf_token": token}).status_code == 302


def test_a_copy_of_the_cookie_is_refused_after_logout(app, client, users):
    assert login(client, "data@utrecht.nl").status_code == 302
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/intern/").status_code == 200  # the copy works while logged in
    logout(client)
    assert client.get("/intern/").status_code == 302
    refused = thief.get("/intern/")
    assert refused.status_code == 302
    assert "/intern/inloggen" in refused.headers["Location"]
    assert len(events("auth.logout")) == 1
    # Logging in again works, and the stolen copy stays useless.
    assert login(client, "data@utrecht.nl").status_code == 302
    assert thief.get("/intern/").status_code == 302


def test_after_a_password_change_only_the_current_session_survives(app, client, users):
    assert login(client, "data@utrecht.nl").status_code == 302
    copy_of_this_session = app.test_client()
    copy_session(client, copy_of_this_session)
    other_device = app.test_client()
    assert login(other_device, "data@utrecht.nl").status_code == 302
    page = client.get("/intern/wachtwoord")
    new = "zeven groene kikkers zingen in de gracht"
    changed = client.post(
        "/intern/wachtwoord",
        data={
            "csrf_token": csrf_token_from(page),
            "current_password": PASSWORD,
            "new_password": new,
            "confirm": new,
        },
    )
    assert changed.status_code == 302
    assert client.get("/intern/").status_code == 200
    assert other_device.get("/intern/").status_code == 302
    assert copy_of_this_session.get("/intern/").status_code == 302


def test_a_session_moved_to_another_browser_or_address_is_refused(app, client, users):
    assert login(client, "data@utrecht.nl").status_code == 302
    other_browser = app.test_client()
    other_browser.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (elders)"
    copy_session(client, other_browser)
    assert other_browser.get("/intern/").status_code == 302
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    copy_session(client, other_address)
    assert other_address.get("/intern/").status_code == 302
    # A client-written X-Forwarded-For does not make a copy look like the original address.
    spoofed = app.test_client()
    spoofed.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    copy_session(client, spoofed)
    assert spoofed.get("/intern/", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 302
    assert client.get("/intern/").status_code == 200  # the owner is not affected


def test_the_migration_gives_existing_accounts_a_fresh_session_token(app, client, users):
    assert login(client, "data@utrecht.nl").status_code == 302
    before = {user.id: user.session_token for user in users.values()}
    spec = importlib.util.spec_from_file_location("session_tokens", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.commit()
    with (
        db.engine.begin() as connection,
        Operations.context(MigrationContext.configure(connection)),
    ):
        migration.upgrade()
    db.session.expire_all()
    after = {user.id: user.session_token for user in users.values()}
    assert all(after[key] != before[key] for key in before)
    assert len(set(after.values())) == len(after)
    assert client.get("/intern/").status_code == 302  # cookies from before the fix end
