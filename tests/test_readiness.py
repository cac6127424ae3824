"""Liveness, readiness and what people see when the database is down or the disk is full.

Real failures only: a PostgreSQL port nothing listens on, a SQLite file whose folder is gone,
and a SQLite database that has reached its page limit (PRAGMA max_page_count).
"""

from __future__ import annotations

import errno
import shutil
import socket

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from portal import create_app
from portal.auth import operations as accounts
from portal.extensions import db
from tests.conftest import PASSWORD


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound and released again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _app(tmp_path, monkeypatch, uri: str):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app(
        {
            "SECRET_KEY": "x",
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": uri,
            "JSON_LOGS": False,
            "LOG_LEVEL": "CRITICAL",
            "SITE_URL": "http://localhost",  # the test client's host
        }
    )


def _unreachable_apps(tmp_path, monkeypatch):
    gone = tmp_path / "removed"
    gone.mkdir()
    sqlite_app = _app(tmp_path, monkeypatch, f"sqlite:///{gone / 'register.sqlite'}")
    shutil.rmtree(gone)  # the database's folder disappeared (unmounted volume)
    postgres_url = f"postgresql+psycopg://127.0.0.1:{_closed_port()}/register"
    return {"sqlite": sqlite_app, "postgresql": _app(tmp_path, monkeypatch, postgres_url)}


@pytest.fixture(params=["sqlite", "postgresql"])
def down_app(request, tmp_path, monkeypatch):
    app = _unreachable_apps(tmp_path, monkeypatch)[request.param]
    yield app
    with app.app_context():
        db.engine.dispose()


def test_readiness_answers_ready_while_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ready"
    assert response.headers["Cache-Control"] == "no-store"


def test_liveness_stays_ok_but_readiness_says_503_while_the_database_is_down(down_app):
    client = down_app.test_client()
    live = client.get("/healthz")
    assert live.status_code == 200
    assert live.get_data(as_text=True) == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert int(ready.headers["Retry-After"]) > 0
    assert ready.get_data(as_text=True) == "database unavailable"


def test_pages_answer_503_with_a_clear_page_while_the_database_is_down(down_app):
    client = down_app.test_client()
    for url in ("/", "/algoritmes", "/algoritmes/parkeervergunning", "/feed.atom"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert int(page.headers["Retry-After"]) > 0
        text = page.get_data(as_text=True)
        assert "tijdelijk niet beschikbaar" in text, url
        assert "OperationalError" not in text
    # A signed-in person too: loading their account would ask the database again.
    with client.session_transaction() as session:
        session["_user_id"] = "1:token"
    for url in ("/algoritmes", "/intern/"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert "tijdelijk niet beschikbaar" in page.get_data(as_text=True)
    english = client.get("/algoritmes?lang=en")
    assert english.status_code == 503
    assert "The register is temporarily unavailable" in english.get_data(as_text=True)


def test_the_api_answers_503_json_while_the_database_is_down(down_app):
    client = down_app.test_client()
    for url in ("/api/v1/algorithms", "/api/v1/me", "/algoritmes.json"):
        response = client.get(url, headers={"Authorization": "Bearer urt_nothing"})
        assert response.status_code == 503, url
        assert response.json["error"]["code"] == "service_unavailable"
        assert int(response.headers["Retry-After"]) > 0


def test_a_full_database_says_so(tmp_path, monkeypatch):
    """SQLite at its page limit gives a real "database or disk is full"."""
    app = _app(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'full.sqlite'}")
    with app.app_context():
        upgrade()
        user = accounts.create_user(
            db.session, None, "data@utrecht.nl", "Dana Data", {"submitter"}, password=PASSWORD
        )
        token = accounts.issue_token(db.session, None, user, "test")[1]
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")  # no free pages left to reuse

        @event.listens_for(db.engine, "connect")
        def _no_room_to_grow(dbapi_connection, connection_record) -> None:
            cursor = dbapi_connection.cursor()
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
            cursor.close()

        db.engine.dispose()
    long_text = "<p>" + "Een lange uitleg. " * 130 + "</p>"
    response = app.test_client().post(
        "/api/v1/assessments",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "algorithm": {
                "name": "Slim handhaven",
                **dict.fromkeys(("goal", "risks", "proportionality", "lawful_basis"), long_text),
            }
        },
    )
    assert response.status_code == 507, response.json
    assert response.json["error"]["code"] == "insufficient_storage"
    assert "full" in response.json["error"]["message"]
    with app.app_context():
        db.engine.dispose()


def test_a_full_disk_on_a_page_gets_a_message_that_says_so(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'x.sqlite'}")

    def writes_a_file():
        raise OSError(errno.ENOSPC, "No space left on device")

    def other_os_error():
        raise OSError(errno.EACCES, "Permission denied")

    app.add_url_rule("/schrijven", view_func=writes_a_file)
    app.add_url_rule("/anders", view_func=other_os_error)
    client = app.test_client()
    page = client.get("/schrijven")
    assert page.status_code == 507
    assert "De opslag van de server is vol" in page.get_data(as_text=True)
    assert client.get("/anders").status_code == 500
