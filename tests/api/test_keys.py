"""An admin creates a key for another program; the key opens the API and nothing else."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.api.models import ApiKey, Scope
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.api.conftest import ADMIN, bearer
from tests.conftest import csrf_token


def test_an_admin_creates_a_key_sees_its_secret_once_and_it_is_stored_hashed(
        app, signed_in, key_admin):
    admin = signed_in(ADMIN)
    page = admin.get("/admin/api-keys")
    assert page.status_code == 200
    token = csrf_token(admin, "/admin/api-keys")
    created = admin.post("/admin/api-keys", data={
        "name": "Jira sync", "scopes": ["read", "write"], "csrf_token": token})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = html.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("pk_live_") and len(secret) > 40
    assert secret not in admin.get("/admin/api-keys").get_data(as_text=True)
    with app.app_context():
        key = db.session.scalars(select(ApiKey)).one()
        assert key.secret_hash != secret and secret not in key.secret_hash
        assert key.scope_set == {Scope.READ, Scope.WRITE}
        assert key.last_used_at is None
    assert admin.get("/api/v1/projects", headers=bearer(secret)).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ApiKey)).one().last_used_at is not None


def test_the_form_refuses_a_key_without_name_or_scope_and_creates_nothing(
        app, signed_in, key_admin):
    admin = signed_in(ADMIN)
    token = csrf_token(admin, "/admin/api-keys")
    refused = admin.post("/admin/api-keys", data={"name": "", "csrf_token": token})
    assert refused.status_code == 422
    assert "Choose at least one scope." in refused.get_data(as_text=True)
    past = admin.post("/admin/api-keys", data={
        "name": "x" * 81, "scopes": ["read"], "expires_on": "2001-01-01", "csrf_token": token})
    assert past.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(ApiKey)).all() == []


def test_a_revoked_key_gets_401_at_once(app, signed_in, new_key):
    secret = new_key(Scope.READ)
    client = app.test_client()
    assert client.get("/api/v1/projects", headers=bearer(secret)).status_code == 200
    admin = signed_in(ADMIN)
    with app.app_context():
        key_id = db.session.scalars(select(ApiKey.id)).one()
    token = csrf_token(admin, "/admin/api-keys")
    assert admin.post(f"/admin/api-keys/{key_id}/revoke",
                      data={"csrf_token": token}).status_code == 302
    refused = client.get("/api/v1/projects", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 401
    assert "Revoked" in admin.get("/admin/api-keys").get_data(as_text=True)


def test_an_expired_key_gets_401(app, new_key):
    secret = new_key(Scope.READ, expires_at=datetime.now(UTC) + timedelta(seconds=1))
    with app.app_context():
        key = db.session.scalars(select(ApiKey)).one()
        key.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get("/api/v1/projects", headers=bearer(secret)).status_code == 401


def test_only_a_bearer_key_opens_the_api(app, signed_in, new_key):
    secret = new_key(Scope.READ)
    signed_in_admin = signed_in(ADMIN)
    assert signed_in_admin.get("/api/v1/projects").status_code == 401  # the cookie is ignored
    client = app.test_client()
    for headers in ({}, {"Authorization": f"Basic {secret}"},
                    {"Authorization": "Bearer pk_live_madeup"}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        answer = client.get("/api/v1/projects", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"/api/v1/projects?api_key={secret}").status_code == 401


def test_a_key_opens_no_web_page(app, new_key):
    secret = new_key(Scope.READ, Scope.WRITE, Scope.HEALTH_READ)
    client = app.test_client()
    for page in ("/", "/staff/", "/admin/api-keys", "/staff/health"):
        answer = client.get(page, headers=bearer(secret))
        assert answer.status_code in (302, 404), page
        if answer.status_code == 302:
            assert "/login" in answer.headers["Location"]


def test_a_key_without_the_scope_gets_403(app, new_key):
    reader = new_key(Scope.READ)
    client = app.test_client()
    answer = client.get("/api/v1/health-snapshots", headers=bearer(reader))
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert "health:read" in answer.json["detail"]
    health = new_key(Scope.HEALTH_READ, name="Dashboard")
    assert client.get("/api/v1/health-snapshots", headers=bearer(health)).status_code == 200
    assert client.get("/api/v1/projects", headers=bearer(health)).status_code == 403


def test_creating_and_revoking_keys_is_audited(app, signed_in, key_admin):
    admin = signed_in(ADMIN)
    token = csrf_token(admin, "/admin/api-keys")
    admin.post("/admin/api-keys", data={"name": "CRM", "scopes": ["read"], "csrf_token": token})
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "api_key.created" in actions
