"""Accounts as their users meet them: login, sessions, passwords, invitations, tokens,
administration, rate limiting, CSRF and the audit log."""

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from portal import audit
from portal.auth import operations
from portal.auth.models import User
from portal.auth.session import LOGIN_AT_KEY
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, invite_nina


def login(client, email, password=PASSWORD):
    token = csrf_token_from(client.get("/intern/inloggen"))
    return client.post(
        "/intern/inloggen", data={"email": email, "password": password, "csrf_token": token}
    )


def events(action):
    return list(
        db.session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action))
    )


def test_login_and_logout(client, users):
    response = login(client, "DATA@utrecht.nl ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/intern/")
    dashboard = client.get("/intern/").get_data(as_text=True)
    assert "Dana Data" in dashboard
    token = csrf_token_from(client.get("/intern/"))
    assert client.post("/intern/uitloggen", data={"csrf_token": token}).status_code == 302
    assert client.get("/intern/").status_code == 302  # back to the login page
    assert [e.actor_email for e in events("auth.login")] == ["data@utrecht.nl"]
    assert len(events("auth.logout")) == 1


def test_wrong_password_and_unknown_account_get_the_same_answer(client, users):
    wrong = login(client, "data@utrecht.nl", "niet het goede wachtwoord")
    unknown = login(client, "niemand@utrecht.nl", "niet het goede wachtwoord")
    assert wrong.status_code == unknown.status_code == 401
    message = "E-mailadres of wachtwoord is niet juist."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert len(events("auth.login_failed")) == 2


def test_deactivated_accounts_cannot_log_in_and_lose_their_session(client, users, login_as):
    login_as(users["submitter"])
    assert client.get("/intern/").status_code == 200
    operations.deactivate(db.session, users["admin"], users["submitter"])
    db.session.commit()
    assert client.get("/intern/").status_code == 302
    assert login(client, "data@utrecht.nl").status_code == 401


def test_login_form_without_csrf_token_is_refused(client, users):
    response = client.post(
        "/intern/inloggen", data={"email": "data@utrecht.nl", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "/intern/" not in response.headers.get("Location", "")


def test_logout_requires_a_post_with_csrf(client, users, login_as):
    login_as(users["submitter"])
    assert client.get("/intern/uitloggen").status_code == 405
    assert client.post("/intern/uitloggen").status_code == 400
    assert client.get("/intern/").status_code == 200  # still logged in


def test_login_is_rate_limited_per_account_without_revealing_it(client, users):
    for _ in range(5):
        assert login(client, "data@utrecht.nl", "fout fout fout fout").status_code == 401
    limited = login(client, "data@utrecht.nl")  # even the right password waits now
    assert limited.status_code == 429
    assert "Te veel pogingen" in limited.get_data(as_text=True)
    for _ in range(5):
        login(client, "bestaat-niet@utrecht.nl", "fout fout fout fout")
    assert login(client, "bestaat-niet@utrecht.nl").status_code == 429  # same for unknown accounts
    assert login(client, "klankbord@utrecht.nl").status_code == 302  # others are not affected


def test_login_is_rate_limited_per_address(client, users, app):
    app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    try:
        for index in range(3):
            login(client, f"iemand{index}@utrecht.nl", "fout fout fout fout")
        assert login(client, "data@utrecht.nl").status_code == 429
    finally:
        app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "20 per 10 minutes"


def test_sessions_expire_after_the_maximum_age(client, users, login_as):
    login_as(users["submitter"])
    with client.session_transaction() as session:
        session[LOGIN_AT_KEY] = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)).timestamp()
    assert client.get("/intern/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, users):
    response = login(client, "data@utrecht.nl")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_password_change_checks_rules_and_ends_other_sessions(client, app, users, login_as):
    other_device = app.test_client()
    login(other_device, "data@utrecht.nl")
    assert other_device.get("/intern/").status_code == 200
    login_as(users["submitter"])
    page = client.get("/intern/wachtwoord")
    form = {"csrf_token": csrf_token_from(page), "current_password": PASSWORD}
    weak = client.post(
        "/intern/wachtwoord",
        data={**form, "new_password": "welkom123456", "confirm": "welkom123456"},
    )
    assert weak.status_code == 422
    assert "te makkelijk te raden" in weak.get_data(as_text=True)
    short = client.post(
        "/intern/wachtwoord", data={**form, "new_password": "kort", "confirm": "kort"}
    )
    assert "minstens 12 tekens" in short.get_data(as_text=True)
    new = "zeven groene kikkers zingen in de gracht"
    ok = client.post("/intern/wachtwoord", data={**form, "new_password": new, "confirm": new})
    assert ok.status_code == 302
    assert client.get("/intern/").status_code == 200  # this session stays
    assert other_device.get("/intern/").status_code == 302  # the other one ended
    assert login(app.test_client(), "data@utrecht.nl", new).status_code == 302


def test_admin_invites_a_user_who_sets_a_password(client, users, login_as):
    login_as(users["admin"])
    response = invite_nina(client)
    assert response.status_code == 200
    # The link is built on SITE_URL (as mails are), not on the Host the admin's browser sent.
    site = re.escape(client.application.config["SITE_URL"].rstrip("/"))
    found = re.search(site + r"(/intern/uitnodiging/[\w-]+)", response.get_data(as_text=True))
    link = found.group(1)
    invited = client.application.test_client()
    form_page = invited.get(link)
    assert "Nina Nieuw" in form_page.get_data(as_text=True)
    new = "blauwe fietsen rijden langs de singel"
    done = invited.post(
        link, data={"csrf_token": csrf_token_from(form_page), "new_password": new, "confirm": new}
    )
    assert done.status_code == 302
    assert invited.get(link).status_code == 404  # used once
    assert login(invited, "nieuw@utrecht.nl", new).status_code == 302
    assert {e.action for e in db.session.scalars(select(audit.AuditEvent))} >= {
        "user.created",
        "user.invited",
        "user.password_changed",
        "auth.login",
    }


def test_invitation_form_keeps_input_and_explains_errors(client, users, login_as):
    login_as(users["admin"])
    page = client.get("/intern/beheer/gebruikers")
    response = client.post(
        "/intern/beheer/gebruikers",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "data@utrecht.nl",
            "name": "Dubbel Dana",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="Dubbel Dana"' in body
    assert "Kies minstens één rol." in body


def test_admin_changes_roles_but_cannot_remove_the_last_admin(client, users, login_as):
    admin = login_as(users["admin"])
    page = client.get(f"/intern/beheer/gebruikers/{admin.id}")
    refused = client.post(
        f"/intern/beheer/gebruikers/{admin.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "name": admin.name,
            "roles": ["reviewer"],
            "active": "y",
        },
    )
    assert refused.status_code == 409
    assert "admin" in db.session.get(User, admin.id).roles
    reviewer = users["reviewer"]
    ok = client.post(
        f"/intern/beheer/gebruikers/{reviewer.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "name": "Kim K.",
            "roles": ["reviewer", "admin"],
            "active": "y",
        },
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, reviewer.id).roles == {"reviewer", "admin"}
    assert "roles" in events("user.updated")[0].summary


def test_api_tokens_from_the_web_work_and_can_be_revoked(client, users, login_as):
    login_as(users["submitter"])
    page = client.get("/intern/tokens")
    created = client.post(
        "/intern/tokens", data={"csrf_token": csrf_token_from(page), "name": "mijn script"}
    )
    secret = re.search(r"<code>(urt_[\w-]+)</code>", created.get_data(as_text=True)).group(1)
    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json == {"email": "data@utrecht.nl", "name": "Dana Data", "roles": ["submitter"]}
    assert secret not in client.get("/intern/tokens").get_data(as_text=True)  # shown once
    token = users["submitter"].tokens[0]
    client.post(f"/intern/tokens/{token.id}/intrekken", data={"csrf_token": csrf_token_from(page)})
    revoked = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    assert revoked.json["error"]["code"] == "unauthorized"


def test_someone_elses_token_cannot_be_revoked(client, users, login_as):
    token, _ = operations.issue_token(db.session, None, users["other_submitter"], "van een ander")
    db.session.commit()
    login_as(users["submitter"])
    page = client.get("/intern/tokens")
    response = client.post(
        f"/intern/tokens/{token.id}/intrekken", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 404
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer urt_nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
        "Token abc",
    ],
)
def test_api_without_a_valid_token_is_401_json(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_ignores_session_cookies(client, users, login_as):
    login_as(users["admin"])
    assert client.get("/intern/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_audit_log_is_filterable_and_append_only(client, users, login_as):
    login(client, "data@utrecht.nl", "fout fout fout fout")
    login_as(users["admin"])
    page = client.get("/intern/beheer/audit?action=auth.login_failed").get_data(as_text=True)
    assert "Inloggen mislukt voor data@utrecht.nl." in page
    assert "user.created" not in page.split("<tbody")[1]
    event = events("auth.login_failed")[0]
    event.summary = "rewritten"
    with pytest.raises(audit.AuditLogChangeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(audit.AuditEvent, event.id))
    with pytest.raises(audit.AuditLogChangeError):
        db.session.flush()
    db.session.rollback()


def test_cli_creates_users_and_tokens(app, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("PASSWORD", PASSWORD)
    created = runner.invoke(
        app.cli, ["users", "create", "Coordinator@Utrecht.nl", "--name", "Cor", "--role", "admin"]
    )
    assert created.exit_code == 0, created.output
    assert "created coordinator@utrecht.nl (admin)" in created.output
    duplicate = runner.invoke(
        app.cli, ["users", "create", "coordinator@utrecht.nl", "--name", "Cor", "--role", "admin"]
    )
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    unknown = runner.invoke(
        app.cli, ["users", "create", "x@utrecht.nl", "--name", "X", "--role", "koning"]
    )
    assert unknown.exit_code != 0
    assert "unknown role koning" in unknown.output
    weak = runner.invoke(
        app.cli,
        ["users", "create", "y@utrecht.nl", "--name", "Y", "--role", "reviewer"],
        env={"PASSWORD": "password1234"},
    )
    assert weak.exit_code != 0

    secret = runner.invoke(app.cli, ["users", "token", "coordinator@utrecht.nl"]).output.strip()
    assert secret.startswith("urt_")
    client = app.test_client()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    listing = runner.invoke(app.cli, ["users", "tokens", "coordinator@utrecht.nl"]).output
    token_id = listing.split("\t")[0]
    assert secret not in listing
    assert "active" in listing
    runner.invoke(app.cli, ["users", "revoke-token", token_id])
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert (
        "coordinator@utrecht.nl\tCor\tadmin\tactive"
        in runner.invoke(app.cli, ["users", "list"]).output
    )
    last = runner.invoke(app.cli, ["users", "deactivate", "coordinator@utrecht.nl"])
    assert last.exit_code != 0
    assert "last active admin" in last.output


def test_cli_prompts_for_a_password_when_none_is_given(app, monkeypatch):
    monkeypatch.delenv("PASSWORD", raising=False)
    result = CliRunner().invoke(
        app.cli,
        ["users", "create", "p@utrecht.nl", "--name", "P", "--role", "submitter"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert operations.authenticate(db.session, "p@utrecht.nl", PASSWORD) is not None
