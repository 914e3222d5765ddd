"""Outages under a running gunicorn: PostgreSQL stops while a client is signed in. Every
request during the outage answers at once with a clear 503 page (never a hang, never a
crash page), /healthz says so, and once PostgreSQL is back the same session carries on
without restarting anything. Bounded: a private cluster, a few dozen requests on 127.0.0.1."""

import json

import flask_migrate
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.projects.models import Question
from tests.conftest import make_app
from tests.support.factories import PASSWORD, Factories
from tests.support.servers import Browser, Gunicorn, PrivatePostgres


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own, running; removed afterwards."""
    postgres = PrivatePostgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.remove()


@pytest.fixture
def served_portal(private_postgres, tmp_path):
    """gunicorn (2 workers) on the private cluster, with Acme's client and one project."""
    app = make_app(private_postgres.url, str(tmp_path / "setup"))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    make = Factories(app)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Network refresh")
    with app.app_context():
        db.engine.dispose()
    server = Gunicorn(database_url=private_postgres.url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log")
    try:
        server.wait_until_serving()
        yield server, project, app
    finally:
        server.stop()


def _questions(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Question))
        db.session.close()  # the connection back in the pool first, then the pool closed
        db.engine.dispose()
        return count


def test_postgresql_restarting_under_gunicorn_fails_cleanly_and_then_serves_again(
    private_postgres, served_portal
):
    server, project, app = served_portal
    client = Browser(server.base)
    status, headers, _ = client.post_form("/login", {"email": "jordan@acme.example",
                                                     "password": PASSWORD})
    assert status == 302 and headers["Location"] == "/"
    page = f"/projects/{project.id}"
    assert client.request(page)[0] == 200

    private_postgres.stop()
    for path in (page, "/", "/account"):
        status, headers, body = client.request(path)
        assert status == 503, path
        assert "The portal is back in a moment" in body and headers["Retry-After"] == "30"
    status, _, body = Browser(server.base).request("/healthz")
    assert status == 503 and json.loads(body)["database"] == "unreachable"
    status, _, body = client.request(f"{page}/questions", {"kind": "question", "body": "Lost?"})
    assert status in (400, 503)  # no CSRF token can be had while down; nothing is half-saved

    private_postgres.start()
    for _ in range(8):  # enough to meet both workers and their pooled, now dead, connections
        status, _, body = client.request(page)
        assert status == 200 and "Network refresh" in body
    assert Browser(server.base).request("/healthz")[0] == 200
    status, _, _ = client.post_form(f"{page}/questions", {"kind": "question",
                                                          "body": "Is the cut-over still Friday?"},
                                    form_page=page)
    assert status == 302
    assert _questions(app) == 1
