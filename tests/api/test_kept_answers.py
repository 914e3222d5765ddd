"""A program polling the API gets each read from the worker's kept answers, one statement a
request, and never an answer older than the database: every way of writing a table raises its
version in the same transaction, and every worker sees it on its next request."""

from datetime import date

import pytest
from sqlalchemy import select, text, update

from portal.api import freshness
from portal.api.models import ApiKey, DataVersion, Scope
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from tests.api.conftest import bearer
from tests.conftest import make_app
from tests.operations.test_query_counts import counted


@pytest.fixture
def project_id(make) -> int:
    return make.project("Acme Corp", name="Data platform", eta_in_days=None).id


def _read(client, secret: str, path: str, **headers):
    return client.get(path, headers=bearer(secret, **headers))


def _version(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(DataVersion.version).where(DataVersion.table_name == table)) or 0


def test_a_repeated_read_is_the_same_answer_from_one_statement(app, project_id, new_key):
    secret = new_key(Scope.READ)
    client = app.test_client()
    _read(client, secret, "/api/v1/accounts")  # the key's first use is noted (once a minute)
    for path in (f"/api/v1/projects/{project_id}", "/api/v1/projects?limit=50"):
        with counted(app) as first_time:
            first = _read(client, secret, path)
        with counted(app) as again_time:
            again = _read(client, secret, path)
        assert first.status_code == again.status_code == 200
        assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
        assert again.mimetype == first.mimetype == "application/json"
        assert again.headers["RateLimit-Policy"] == first.headers["RateLimit-Policy"]
        assert len(first_time) == 2 and len(again_time) == 1, again_time  # the page; the key
        assert "data_version" in again_time[0] and "api_key" in again_time[0]
        unchanged = _read(client, secret, path, **{"If-None-Match": first.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.data == b""


@pytest.mark.parametrize("how", ["orm", "bulk update", "text sql"])
def test_every_way_of_writing_shows_on_the_next_read(app, project_id, new_key, how):
    secret = new_key(Scope.READ)
    client = app.test_client()
    path = f"/api/v1/projects/{project_id}"
    assert _read(client, secret, path).json["name"] == "Data platform"
    before, others = _version(app, "project"), _version(app, "milestone")
    with app.app_context():
        if how == "orm":
            db.session.get(Project, project_id).name = "Renamed"
        elif how == "bulk update":
            db.session.execute(update(Project).where(Project.id == project_id)
                               .values(name="Renamed"))
        else:
            db.session.execute(text("UPDATE project SET name = 'Renamed' WHERE id = :id"),
                               {"id": project_id})
        db.session.commit()
    expected_others = others + (1 if how == "text sql" else 0)  # text SQL counts for all
    assert _version(app, "project") == before + 1  # one commit, one step
    assert _version(app, "milestone") == expected_others
    assert _read(client, secret, path).json["name"] == "Renamed"
    with app.app_context():  # the raise itself is no write: the next commits raise nothing
        db.session.execute(select(Project)).all()
        db.session.commit()
    assert (_version(app, "project"), _version(app, "milestone")) == (before + 1, expected_others)


def test_a_rolled_back_write_raises_nothing_and_the_kept_answer_stays(app, project_id, new_key):
    secret = new_key(Scope.READ)
    client = app.test_client()
    path = f"/api/v1/projects/{project_id}"
    _read(client, secret, path)
    before = _version(app, "project")
    with app.app_context():
        db.session.get(Project, project_id).name = "Never saved"
        db.session.flush()
        db.session.rollback()
        db.session.execute(select(Project)).all()  # a read afterwards commits nothing
        db.session.commit()
    assert _version(app, "project") == before
    with counted(app) as statements:
        assert _read(client, secret, path).json["name"] == "Data platform"
    assert len(statements) == 1


def test_another_worker_sees_a_change_at_once(app, database_url, tmp_path, project_id, new_key):
    secret = new_key(Scope.READ)
    other = make_app(database_url, str(tmp_path / "other-worker"))
    path = f"/api/v1/projects/{project_id}"
    reader = app.test_client()
    assert _read(reader, secret, path).json["eta"] is None
    with other.app_context():  # the write happens in another process's app
        db.session.get(Project, project_id).eta = date(2027, 3, 31)
        db.session.commit()
        db.engine.dispose()
    assert _read(reader, secret, path).json["eta"] == "2027-03-31"


def test_a_write_through_the_api_shows_in_the_kept_list(app, project_id, new_key):
    secret = new_key(Scope.READ, Scope.WRITE)
    client = app.test_client()
    listed = _read(client, secret, "/api/v1/projects")
    one = _read(client, secret, f"/api/v1/projects/{project_id}")
    changed = client.patch(f"/api/v1/projects/{project_id}", json={"summary": "New scope"},
                           headers=bearer(secret, **{"If-Match": one.headers["ETag"]}))
    assert changed.status_code == 200, changed.json
    again = _read(client, secret, "/api/v1/projects")
    assert again.headers["ETag"] != listed.headers["ETag"]
    assert again.json["data"][0]["summary"] == "New scope"


def test_a_kept_answer_still_asks_for_a_usable_key_and_its_scope(app, new_key):
    health = new_key(Scope.READ, Scope.HEALTH_READ, name="Health board")
    reader = new_key(Scope.READ, name="Reader")
    client = app.test_client()
    assert _read(client, health, "/api/v1/health-snapshots").status_code == 200
    assert _read(client, reader, "/api/v1/health-snapshots").status_code == 403
    assert _read(client, health, "/api/v1/accounts").status_code == 200
    with app.app_context():
        db.session.execute(update(ApiKey).where(ApiKey.name == "Health board")
                           .values(revoked_at=utcnow()))
        db.session.commit()
    revoked = _read(client, health, "/api/v1/accounts")
    assert revoked.status_code == 401 and revoked.mimetype == "application/problem+json"


def test_each_watched_table_is_raised_by_name_in_one_statement():
    kept = {"project", "milestone", "question", "question_reply", "user_account"}
    assert kept <= freshness.watched()
    statement = freshness.raising(["milestone", "project"])
    assert statement.count("INSERT INTO data_version") == 1
    assert "('milestone', 1), ('project', 1)" in statement
    with pytest.raises(ValueError):
        freshness.raising(["project'; DROP TABLE api_key; --"])
