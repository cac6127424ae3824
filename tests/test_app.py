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
