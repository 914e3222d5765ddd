"""With Redis, a program polling the API is answered without the database while nothing has
changed: every commit that raises a table's version raises Redis's count of writes, which each
request reads in the round trip that counts its rate. A change, a revoked key or an expired one
still shows on the very next request, in every worker."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from portal.api import keys
from portal.api.models import ApiKey, Scope
from portal.api.write_count import COUNTER, KEPT_SECONDS
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from tests.api.conftest import bearer
from tests.conftest import make_app
from tests.operations.test_query_counts import counted
from tests.support.mail import free_port

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def project_id(make) -> int:
    return make.project("Acme Corp", name="Data platform", eta_in_days=None).id


@pytest.fixture
def prefix() -> str:
    """The Redis keys of one test's workers, apart from every other test's."""
    return f"api-writes-{uuid.uuid4().hex}"


@pytest.fixture
def worker(database_url, tmp_path, prefix):
    """Start a worker (an app of its own) sharing this test's database and Redis keys."""

    @contextmanager
    def start(storage: str = REDIS, **settings) -> Iterator:
        app = make_app(database_url, str(tmp_path / uuid.uuid4().hex),
                       RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix, **settings)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()

    return start


def _read(client, secret: str, path: str, **headers):
    return client.get(path, headers=bearer(secret, **headers))


def _rename(app, project_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(Project, project_id).name = name
        db.session.commit()


def test_a_repeated_read_costs_no_statement_while_nothing_changed(worker, project_id, new_key):
    secret = new_key(Scope.READ)
    with worker() as app:
        client = app.test_client()
        _read(client, secret, "/api/v1/accounts")  # its first use is noted: a commit
        for path in (f"/api/v1/projects/{project_id}", "/api/v1/projects?limit=50"):
            first = _read(client, secret, path)
            with counted(app) as statements:
                again = _read(client, secret, path)
                unchanged = _read(client, secret, path,
                                  **{"If-None-Match": first.headers["ETag"]})
            assert statements == []
            assert first.status_code == again.status_code == 200
            assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
            assert again.headers["RateLimit"] != first.headers["RateLimit"]  # still counted
            assert unchanged.status_code == 304 and unchanged.data == b""


def test_a_change_made_in_another_worker_shows_on_the_next_read(worker, project_id, new_key):
    secret = new_key(Scope.READ, Scope.WRITE)
    path = f"/api/v1/projects/{project_id}"
    with worker() as reader, worker() as writer:
        client = reader.test_client()
        _read(client, secret, path)
        assert _read(client, secret, path).json["name"] == "Data platform"
        _rename(writer, project_id, "Renamed in the web form")
        assert _read(client, secret, path).json["name"] == "Renamed in the web form"
        tag = _read(client, secret, path).headers["ETag"]
        changed = writer.test_client().patch(path, json={"name": "Renamed by the sync"},
                                             headers=bearer(secret, **{"If-Match": tag}))
        assert changed.status_code == 200, changed.json
        assert _read(client, secret, path).json["name"] == "Renamed by the sync"


def test_a_key_revoked_in_another_worker_stops_at_once(worker, project_id, new_key):
    secret = new_key(Scope.READ)
    path = f"/api/v1/projects/{project_id}"
    with worker() as reader, worker() as admin_side:
        client = reader.test_client()
        assert [_read(client, secret, path).status_code for _ in range(3)] == [200, 200, 200]
        with admin_side.app_context():
            key = db.session.scalar(select(ApiKey).where(ApiKey.name == "Jira sync"))
            admin = db.session.get(User, key.created_by_id)
            keys.revoke_key(key, by=admin)
            db.session.commit()
        refused = _read(client, secret, path)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"


def test_a_key_stops_at_its_expiry_while_its_lookup_is_reused(worker, project_id, new_key):
    secret = new_key(Scope.READ, expires_at=utcnow() + timedelta(seconds=2))
    path = f"/api/v1/projects/{project_id}"
    with worker(API_KEY_RECHECK_SECONDS=60) as app:
        client = app.test_client()
        assert [_read(client, secret, path).status_code for _ in range(2)] == [200, 200]
        with app.app_context():
            expires_at = db.session.scalar(select(ApiKey.expires_at))
        time.sleep(max(0.0, (expires_at - utcnow()).total_seconds()) + 0.05)
        expired = _read(client, secret, path)
    assert expired.status_code == 401


def test_a_write_that_could_not_raise_the_count_shows_within_the_recheck(
        worker, project_id, new_key):
    secret = new_key(Scope.READ)
    path = f"/api/v1/projects/{project_id}"
    unreachable = f"redis://127.0.0.1:{free_port()}/13"
    with worker(API_KEY_RECHECK_SECONDS=3) as reader, worker(unreachable) as writer:
        client = reader.test_client()
        _read(client, secret, "/api/v1/accounts")  # its first use is noted
        assert _read(client, secret, path).json["name"] == "Data platform"
        _rename(writer, project_id, "Renamed while Redis was away")  # saved all the same
        with counted(reader) as statements:
            assert _read(client, secret, path).json["name"] == "Data platform"
        assert statements == []  # the count did not move: the lookup is reused
        time.sleep(3.1)
        assert _read(client, secret, path).json["name"] == "Renamed while Redis was away"


def test_without_redis_every_read_looks_its_key_up_and_sees_every_change(
        worker, project_id, new_key):
    secret = new_key(Scope.READ)
    path = f"/api/v1/projects/{project_id}"
    with worker(f"redis://127.0.0.1:{free_port()}/13") as reader, worker() as writer:
        client = reader.test_client()
        _read(client, secret, path)
        with counted(reader) as statements:
            assert _read(client, secret, path).json["name"] == "Data platform"
        assert len(statements) == 1 and "api_key" in statements[0]
        _rename(writer, project_id, "Renamed")
        assert _read(client, secret, path).json["name"] == "Renamed"


def test_only_a_commit_that_raised_versions_raises_the_count(worker, project_id, new_key):
    secret = new_key(Scope.READ)
    with worker() as app:
        count = app.extensions[COUNTER]
        store = redis.Redis.from_url(REDIS)

        def now() -> int:
            return int(store.get(count.key) or 0)

        before = now()
        with app.app_context():
            db.session.execute(select(Project)).all()
            db.session.commit()
            db.session.get(Project, project_id).name = "Never saved"
            db.session.flush()
            db.session.rollback()
        assert app.test_client().get("/api/v1/accounts", headers=bearer(secret)).status_code == 200
        assert now() == before  # the key's last use is written, and no answer shows it
        with app.app_context():
            assert db.session.scalar(select(ApiKey.last_used_at)) is not None
        _rename(app, project_id, "Renamed")
        assert now() == before + 1
        assert 0 < store.ttl(count.key) <= KEPT_SECONDS  # gone a day after the last write


def test_a_commit_outside_a_request_with_redis_away_gives_its_connection_back(
        worker, project_id):
    with worker(f"redis://127.0.0.1:{free_port()}/13") as app:
        with app.app_context():
            engine = db.engine
        with engine.begin() as connection:  # a job's own connection, no app context
            connection.execute(update(Project).where(Project.id == project_id)
                               .values(name="Renamed by a job"))
        assert engine.pool.checkedout() == 0
        with app.app_context():
            assert db.session.get(Project, project_id).name == "Renamed by a job"
