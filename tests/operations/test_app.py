"""The app factory, configuration, database settings, health check and error pages."""

import logging

import pytest
from sqlalchemy import text

from portal import ConfigurationError, create_app
from portal.extensions import db
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/12"


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAL_SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))


@pytest.mark.parametrize("base_url", [None, "", "http://127.0.0.1:5000", "https://localhost",
                                      "http://portal.example.com", "portal.example.com"])
def test_production_refuses_to_start_without_its_public_address(tmp_path, monkeypatch,
                                                                base_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-long-random-production-key")
    if base_url is None:
        monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("PORTAL_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="PORTAL_BASE_URL must be set to the portal's "
                                                 "public https address"):
        create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))


def test_production_starts_with_a_secret_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-long-random-production-key")
    monkeypatch.setenv("PORTAL_REDIS_URL", REDIS_URL)  # production counts limits there
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "a-long-random-production-key"
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    second = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("PORTAL_SMTP_PORT", "2525")
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["BASE_URL"] == "https://portal.example.com"
    assert app.config["SMTP_PORT"] == 2525


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def test_every_sqlite_connection_has_foreign_keys_wal_and_a_busy_timeout(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'pragmas.db'}", str(tmp_path))
    with app.app_context():
        for _ in range(2):  # a second connection from the pool is configured too
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            db.engine.dispose()


def test_a_sqlite_database_that_cannot_use_wal_is_reported(tmp_path, caplog):
    app = make_app("sqlite://", str(tmp_path))
    with app.app_context(), caplog.at_level(logging.WARNING, logger="portal.db"):
        db.session.execute(text("SELECT 1"))
    assert "refused WAL" in caplog.text


def test_postgresql_urls_use_psycopg_3_with_pre_ping(tmp_path):
    app = make_app("postgresql://portal@db.internal/portal", str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing-folder' / 'portal.db'}", str(tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_unknown_urls_get_the_branded_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We could not find that page" in page
    assert "client portal" in page


def test_a_crash_shows_a_500_page_with_a_reference_and_no_stack_trace(database_url, tmp_path,
                                                                      caplog):
    app = make_app(database_url, str(tmp_path), PROPAGATE_EXCEPTIONS=False)

    def explode():
        raise RuntimeError("internal detail that must not leak")

    app.add_url_rule("/explode", view_func=explode)
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        response = app.test_client().get("/explode")
    page = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert request_id in page
    assert "Traceback" not in page and "internal detail" not in page
    assert request_id in caplog.text and "internal detail that must not leak" in caplog.text
    with app.app_context():
        db.engine.dispose()  # the error page reads the firm's branding: close that connection



def test_a_database_error_still_gets_the_branded_500_page(database_url, tmp_path):
    app = make_app(database_url, str(tmp_path), PROPAGATE_EXCEPTIONS=False)

    def break_the_session():
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.add_url_rule("/break", view_func=break_the_session)
    response = app.test_client().get("/break")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_every_response_carries_the_security_headers(client):
    for path in ("/login", "/no/such/page", "/healthz"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src 'self'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "Strict-Transport-Security" not in headers, path  # plain HTTP: HSTS means nothing


def test_over_https_every_response_tells_browsers_to_stay_on_https(client, tmp_path):
    for path in ("/login", "/no/such/page", "/healthz"):
        headers = client.get(path, base_url="https://portal.example").headers
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    proxied = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "PROXY_HOPS": 1},
                         instance_path=str(tmp_path))
    behind_tls_proxy = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in behind_tls_proxy.headers["Strict-Transport-Security"]


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "12345678901234567890")
    monkeypatch.setenv("PORTAL_REDIS_URL", REDIS_URL)
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SECRET_KEY"] == "12345678901234567890"  # a string, though all digits
