"""Application-wide behaviour: health, headers, errors, configuration."""

import pytest

from portal import ConfigurationError, create_app


def test_healthz_is_cheap_and_plain(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_security_headers_on_every_response(client):
    for url in ["/", "/api/v1/algorithms", "/does-not-exist"]:
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_oversized_request_gets_413(client):
    response = client.post("/api/v1/algorithms", data=b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigurationError):
        create_app()


def test_database_url_selects_postgresql_driver(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/register")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "JSON_LOGS": False, "LOG_LEVEL": "WARNING"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/register"


def test_migrations_match_the_models(app):
    from flask_migrate import check

    with app.app_context():
        check()  # raises when the models and migrations differ


def test_unexpected_errors_get_a_friendly_page_or_json(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "SECRET_KEY": "x",
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
            "JSON_LOGS": False,
            "LOG_LEVEL": "CRITICAL",
            "SITE_URL": "http://localhost",  # the test client's host; others get 400
        }
    )

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/kapot", view_func=broken)
    app.add_url_rule("/api/v1/kapot", view_func=broken, endpoint="api_broken")
    client = app.test_client()
    page = client.get("/kapot")
    assert page.status_code == 500
    assert "Er ging bij ons iets mis" in page.get_data(as_text=True)
    assert "boom" not in page.get_data(as_text=True)
    api = client.get("/api/v1/kapot")
    assert api.status_code == 500
    assert api.json == {"error": {"code": "internal_error", "message": "Internal server error"}}


def _bare_app(monkeypatch, tmp_path, **config):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    return create_app(
        {"SECRET_KEY": "x", "JSON_LOGS": False, "LOG_LEVEL": "WARNING", "TESTING": True, **config}
    )


def test_hsts_in_production_over_https_only(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("HSTS_MAX_AGE", raising=False)
    production = _bare_app(
        monkeypatch, tmp_path, SITE_URL="https://localhost", SESSION_COOKIE_SECURE=False
    )
    https = production.test_client().get("/x", base_url="https://localhost")
    header = https.headers["Strict-Transport-Security"]
    assert int(header.split("max-age=")[1].split(";")[0]) >= 365 * 24 * 3600
    plain = production.test_client().get("/x", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_behind_a_tls_proxy_and_never_in_development(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    monkeypatch.delenv("HSTS_MAX_AGE", raising=False)
    proxied = _bare_app(
        monkeypatch, tmp_path, SITE_URL="https://localhost", SESSION_COOKIE_SECURE=False
    )
    forwarded = proxied.test_client().get("/x", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in forwarded.headers
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.delenv("PROXY_FIX_X_PROTO")
    development = _bare_app(monkeypatch, tmp_path, SITE_URL="http://localhost")
    response = development.test_client().get("/x", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


def test_signed_in_pages_and_internal_downloads_are_never_stored(client, users, login_as):
    from portal.auth import operations
    from portal.extensions import db

    anonymous = client.get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    _token, secret = operations.issue_token(db.session, None, users["submitter"])
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    for url in ["/api/v1/me", "/api/v1/assessments/1", "/api/v1/assessments/1/record.pdf"]:
        assert client.get(url, headers=bearer).headers["Cache-Control"] == "no-store", url
    login_as(users["submitter"])
    for url in [
        "/intern/",
        "/intern/tokens",
        "/",
        "/algoritmes",
        "/intern/toetsingen/1/record.pdf",
    ]:
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_internal_record_downloads_are_no_store_but_public_records_cache(app):
    from assessments.models import Record
    from assessments.records import record_response

    record = Record(sha256="a" * 64, pdf=b"%PDF-1.7")
    for path in ["/intern/toetsingen/1/record.pdf", "/api/v1/assessments/1/record.pdf"]:
        with app.test_request_context(path):
            internal = app.process_response(record_response(record, "x.pdf"))
        assert internal.headers["Cache-Control"] == "no-store", path
    with app.test_request_context("/algoritmes/x/record.pdf"):
        public = app.process_response(record_response(record, "x.pdf", public=True))
    assert "public" in public.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_XY.z", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("evil\nINFO forged log line", False),
        ('"><script>', False),
        ("", False),
    ],
)
def test_request_ids_from_clients_only_when_short_tokens(client, sent, kept):
    # Set in the environment directly: the test client itself refuses line breaks.
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": sent})
    returned = response.headers["X-Request-ID"]
    if kept:
        assert returned == sent
    else:
        assert returned != sent
        assert len(returned) == 32
        assert returned.isalnum()


def test_a_process_starts_without_the_statistics_libraries_and_its_start_up_frozen(tmp_path):
    # Every worker and every command pays its imports at start-up; SciPy and NLTK (through
    # textstat) take about a second and only outcome analyses and readability checks need
    # them, which import them when they run.
    import subprocess
    import sys

    script = (
        "import gc, sys, wsgi\n"
        "print(','.join(m for m in ('scipy.stats', 'nltk', 'textstat') if m in sys.modules))\n"
        # Start-up's objects are out of the collector's full passes (a record renders as fast
        # as in plain WeasyPrint), and what is made later is collected as usual.
        "print(gc.get_freeze_count() > 100_000, gc.isenabled())"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x",
        "PORTAL_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite'}",
    }
    loaded = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]),
    ).stdout.splitlines()  # fmt: skip
    assert loaded == ["", "True True"]
