"""Each key has its own rate, said in every answer; errors are problem details a program can
act on; Redis down changes nothing a caller sees but the counting."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from portal.api.models import Scope
from portal.extensions import db
from tests.api.conftest import bearer
from tests.conftest import make_app
from tests.support.mail import free_port


@contextmanager
def _limited_app(database_url, tmp_path, storage: str, prefix: str | None = None) -> Iterator:
    """An app allowing 3 requests a minute per key, counting them in `storage`."""
    app = make_app(database_url, str(tmp_path / "limited"), API_LIMIT_PER_KEY="3 per minute",
                   RATELIMIT_STORAGE_URI=storage,
                   RATELIMIT_KEY_PREFIX=prefix or f"api-test-{uuid.uuid4().hex}")
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/13", "redis down"])
def test_each_key_gets_its_own_rate_and_is_told_where_it_stands(
        database_url, tmp_path, new_key, storage):
    if storage == "redis down":
        storage = f"redis://127.0.0.1:{free_port()}/13"
    first, second = new_key(Scope.READ), new_key(Scope.READ, name="CRM")
    with _limited_app(database_url, tmp_path, storage) as app:
        client = app.test_client()
        answers = [client.get("/api/v1/accounts", headers=bearer(first)) for _ in range(4)]
        other = client.get("/api/v1/accounts", headers=bearer(second))
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
    assert answers[0].headers["RateLimit"].startswith('"per-key";r=2;t=')
    refused = answers[-1]
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert other.status_code == 200


def test_two_workers_sharing_redis_tell_the_shared_count_and_window(
        database_url, tmp_path, new_key):
    secret, prefix = new_key(Scope.READ), f"api-test-{uuid.uuid4().hex}"
    redis = "redis://127.0.0.1:6379/13"
    with (_limited_app(database_url, tmp_path, redis, prefix) as one,
          _limited_app(database_url, tmp_path, redis, prefix) as two):
        answers = [app.test_client().get("/api/v1/accounts", headers=bearer(secret))
                   for app in (one, two, one, two)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    left = [dict(part.split("=") for part in a.headers["RateLimit"].split(";")[1:])
            for a in answers]
    assert [int(part["r"]) for part in left] == [2, 1, 0, 0]
    assert all(0 < int(part["t"]) <= 61 for part in left), left  # 60 s, rounded up


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("DELETE", "/api/v1/projects", {}, 405),
    ("GET", "/api/v1/no-such-thing", {}, 404),
    ("GET", "/api/v1/projects/2147483648", {}, 404),
    ("POST", "/api/v1/projects", {"data": "name=x", "content_type": "text/plain"}, 415),
    ("POST", "/api/v1/projects", {"data": "{", "content_type": "application/json"}, 400),
    ("POST", "/api/v1/projects", {"json": {"name": ""}}, 422),
    ("PATCH", "/api/v1/projects/1", {"json": {}}, 428),
])
def test_every_error_is_problem_details(app, new_key, method, path, kwargs, status):
    answer = app.test_client().open(path, method=method, headers=bearer(new_key()), **kwargs)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    body = answer.json
    assert body["status"] == status and body["title"] and body["detail"]
    if status in (400, 422):
        assert all({"location", "field", "message"} <= set(e) for e in body["errors"])
    if status == 405:
        assert "GET" in answer.headers["Allow"]


BEYOND_ANY_ID = ["/api/v1/projects/2147483648", "/api/v1/contacts/2147483648",
                 f"/api/v1/projects/{'9' * 30}/closeout", "/api/v1/questions/2147483648/replies"]


def test_an_id_no_database_holds_is_not_found_whatever_the_method(app, make, new_key):
    """PATCH beside GET on one path, or a method no rule has there: still nothing by that id."""
    client, secret = app.test_client(), new_key()
    project = make.project("Acme Corp", name="Website")
    etag = client.get(f"/api/v1/projects/{project.id}", headers=bearer(secret)).headers["ETag"]
    for path in BEYOND_ANY_ID:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            answer = client.open(path, method=method, json={"name": "x"},
                                 headers=bearer(secret, **{"If-Match": etag}))
            assert (answer.status_code, answer.mimetype) == (
                404, "application/problem+json"), (method, path)
    largest = client.patch("/api/v1/projects/2147483647", json={"name": "x"},
                           headers=bearer(secret, **{"If-Match": etag}))
    assert largest.status_code == 404 and "No project with id 2147483647" in largest.json["detail"]
    assert client.put(f"/api/v1/projects/{project.id}", json={},
                      headers=bearer(secret)).status_code == 405  # a method the path never has


def test_a_crash_is_a_500_problem_with_the_request_id(app, new_key, monkeypatch):
    from portal.api import paging

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(paging, "page_of", broken)
    monkeypatch.setattr("portal.api.reads.page_of", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = app.test_client().get("/api/v1/projects", headers=bearer(new_key()))
    assert answer.status_code == 500
    assert answer.mimetype == "application/problem+json"
    assert answer.headers["X-Request-ID"] in answer.json["detail"]


def test_no_form_post_reaches_the_api_and_no_csrf_token_is_needed(app, make, new_key):
    acme = make.organization("Acme Corp")
    client = app.test_client()
    form = client.post("/api/v1/projects", data={"account_id": acme.id, "name": "x"},
                       headers=bearer(new_key()))
    assert form.status_code == 415
    json_post = client.post("/api/v1/projects", json={"account_id": acme.id, "name": "x"},
                            headers=bearer(new_key(name="Other")))
    assert json_post.status_code == 201


def test_the_document_and_its_docs_page_are_served_without_a_cdn(app):
    client = app.test_client()
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.json["openapi"] == "3.1.0"
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html and "https://" not in html
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
