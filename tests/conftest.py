"""Fixtures: a migrated test database, an app per test with clean tables, and signed-in clients.

The suite runs on a SQLite file by default and on PORTAL_TEST_DATABASE_URL when it is set.
Tests never hold an application context across requests: Flask keeps `g` (and so the signed-in
user) on the app context, and a request inside a test's context would inherit it.
"""

import os
import re
from collections.abc import Callable, Iterator
from datetime import date

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from huey import Huey
from huey.storage import MemoryStorage
from sqlalchemy import create_engine, make_url, text

from portal import create_app, tasks
from portal.db import local_today
from portal.extensions import db
from tests.support.factories import PASSWORD, Factories
from tests.support.mail import BASE_URL, Inbox, SmtpServer, free_port

TEST_DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


def pytest_report_header(config) -> str:
    backend = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"
    return f"database under test: {backend}"


def reset_postgresql(url: str) -> None:
    """Empty the test database: it is the suite's own, so drop and recreate its schema."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(database_url: str, instance_path: str, **overrides) -> Flask:
    """An app for tests: the given database, a fixed secret key, CSRF on as in production,
    and a public address (production refuses to start without one)."""
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
              "LIVE_POLL_SECONDS": 1, "BASE_URL": BASE_URL,
              # Emails must not depend on the hour the suite runs at: tests/pulses/
              # test_quiet_hours.py turns quiet hours on, with a clock.
              "QUIET_HOURS_ENABLED": False}
    return create_app(config | overrides, instance_path=instance_path)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The session's database, migrated to head once."""
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DATABASE_URL or f"sqlite:///{instance / 'portal-test.db'}"
    if make_url(url).get_backend_name() == "postgresql":
        reset_postgresql(url)
    app = make_app(url, str(instance))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path) -> Iterator[Flask]:
    """A fresh app per test; every table is emptied afterwards."""
    app = make_app(database_url, str(tmp_path / "instance"))
    yield app
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def job_queue() -> Iterator[Huey]:
    """The background-job queue in this process's memory, empty for each test: nothing a test
    queues reaches instance/huey.db, and tests.support.mail.run_jobs runs what it queued."""
    kept = tasks.huey.storage
    tasks.huey.storage = MemoryStorage(tasks.huey.name)
    yield tasks.huey
    tasks.huey.storage = kept


@pytest.fixture
def today() -> date:
    """Today in UTC, the test organisations' default timezone, read as the test starts: a date
    read when the module is imported is yesterday's once the suite runs past midnight."""
    return local_today("UTC")


@pytest.fixture
def make(app) -> Factories:
    """Factories that create rows and commit them."""
    return Factories(app)


@pytest.fixture
def client(app) -> FlaskClient:
    """An anonymous browser."""
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a real browser would find in the form at `path`."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token in the page at {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **params):
    """Sign in through the login form, as a person would."""
    token = csrf_token(client)
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(
        f"/login{query}", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def signed_in(app) -> Callable[[str], FlaskClient]:
    """A browser signed in as the user with this email."""

    def browser_of(email: str) -> FlaskClient:
        browser = app.test_client()
        response = sign_in(browser, email)
        assert response.status_code == 302, f"{email} could not sign in"
        return browser

    return browser_of


@pytest.fixture
def post_form(app) -> Callable:
    """Post a form the way a browser does: the token comes from the page showing the form."""

    def post(browser: FlaskClient, path: str, data: dict, form_page: str | None = None):
        token = csrf_token(browser, form_page or path)
        return browser.post(path, data={**data, "csrf_token": token})

    return post


@pytest.fixture
def smtp_port(app) -> int:
    """A free port, configured as the app's SMTP server (nothing listens until started)."""
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5, BASE_URL=BASE_URL)
    return port


@pytest.fixture
def smtp_down(smtp_port):
    """The SMTP server, not yet listening; the test starts it when SMTP is back."""
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_down) -> Inbox:
    """A listening SMTP server; its inbox collects what the portal sends."""
    smtp_down.start()
    return smtp_down.inbox
