"""A program with a write key creates and changes records through the same rules as staff."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.api.models import Scope
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import Project, StatusUpdate
from tests.api.conftest import bearer


def test_a_sync_creates_a_project_reads_it_and_changes_it_with_if_match(app, make, new_key):
    acme = make.organization("Acme Corp")
    secret = new_key()
    client = app.test_client()
    created = client.post("/api/v1/projects", headers=bearer(secret), json={
        "account_id": acme.id, "name": "CRM rollout", "external_id": "JIRA-42"})
    assert created.status_code == 201, created.json
    project = created.json
    assert project["external_id"] == "JIRA-42" and project["account_id"] == acme.id
    assert created.headers["Location"] == f"/api/v1/projects/{project['id']}"
    found = client.get("/api/v1/projects?external_id=JIRA-42", headers=bearer(secret)).json
    assert [p["id"] for p in found["data"]] == [project["id"]]

    read = client.get(f"/api/v1/projects/{project['id']}", headers=bearer(secret))
    etag = read.headers["ETag"]
    missing = client.patch(f"/api/v1/projects/{project['id']}", headers=bearer(secret),
                           json={"name": "CRM rollout, phase 1"})
    assert missing.status_code == 428
    changed = client.patch(f"/api/v1/projects/{project['id']}", json={
        "name": "CRM rollout, phase 1"}, headers=bearer(secret, **{"If-Match": etag}))
    assert changed.status_code == 200 and changed.json["name"] == "CRM rollout, phase 1"
    stale = client.patch(f"/api/v1/projects/{project['id']}", json={
        "name": "Lost update"}, headers=bearer(secret, **{"If-Match": etag}))
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.get(Project, project["id"]).name == "CRM rollout, phase 1"
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.startswith("project."))).all()
        assert {e.actor_email for e in events} == {"API key Jira sync"}

    taken = client.post("/api/v1/projects", headers=bearer(secret), json={
        "account_id": acme.id, "name": "Another", "external_id": "JIRA-42"})
    assert taken.status_code == 409


def test_bad_input_is_a_422_naming_the_fields_and_changes_nothing(app, make, new_key):
    acme = make.organization("Acme Corp")
    secret = new_key()
    client = app.test_client()
    refused = client.post("/api/v1/projects", headers=bearer(secret), json={
        "account_id": acme.id, "name": "x" * 161, "update_cadence_days": 0})
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert {e["field"] for e in refused.json["errors"]} == {"name", "update_cadence_days"}
    not_json = client.post("/api/v1/projects", headers=bearer(secret), data="{",
                           content_type="application/json")
    assert not_json.status_code in (400, 422)
    assert client.post("/api/v1/projects", headers=bearer(secret), json={
        "account_id": 999999, "name": "Nobody's"}).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Project)).all() == []


def test_publishing_an_update_runs_the_staff_rules_and_needs_a_reason_for_a_later_eta(
        app, make, new_key):
    project = make.project("Acme Corp", name="Website", eta_in_days=10)
    make.user("client@acme.example", organization="Acme Corp")
    secret = new_key()
    client = app.test_client()
    later = (date.today() + timedelta(days=20)).isoformat()
    refused = client.post(f"/api/v1/projects/{project.id}/updates", headers=bearer(secret),
                          json={"body": "Parts are late.", "status": "at_risk", "eta": later})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "reason"
    published = client.post(f"/api/v1/projects/{project.id}/updates", headers=bearer(secret),
                            json={"body": "Parts are late.", "status": "at_risk", "eta": later,
                                  "reason": "The supplier slipped a week."})
    assert published.status_code == 201, published.json
    with app.app_context():
        update = db.session.scalars(select(StatusUpdate)).one()
        assert update.project.eta.isoformat() == later
        assert update.project.eta_changes[-1].reason == "The supplier slipped a week."


def test_a_post_retried_with_the_same_idempotency_key_is_answered_once(app, make, new_key):
    acme = make.organization("Acme Corp")
    secret = new_key()
    client = app.test_client()
    body = {"account_id": acme.id, "name": "Once only"}
    headers = bearer(secret, **{"Idempotency-Key": "abc-123"})
    first = client.post("/api/v1/projects", headers=headers, json=body)
    again = client.post("/api/v1/projects", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/projects", headers=headers, json={**body, "name": "Other"})
    assert other.status_code == 422
    with app.app_context():
        assert len(db.session.scalars(select(Project)).all()) == 1


def test_a_contact_created_through_the_api_gets_the_invitation(app, make, new_key, smtp):
    acme = make.organization("Acme Corp")
    secret = new_key()
    created = app.test_client().post("/api/v1/contacts", headers=bearer(secret), json={
        "account_id": acme.id, "email": "jordan@acme.example", "name": "Jordan Lee",
        "job_title": "Head of IT", "phone": "+49 30 1234567"})
    assert created.status_code == 201, created.json
    assert (created.json["email"], created.json["job_title"], created.json["phone"]) == (
        "jordan@acme.example", "Head of IT", "+49 30 1234567")
    from tests.support.mail import run_jobs

    run_jobs(app)
    assert "jordan@acme.example" in smtp.recipients()


def test_questions_and_replies_through_the_api(app, make, new_key):
    project = make.project("Acme Corp", name="Website")
    secret = new_key()
    client = app.test_client()
    asked = client.post(f"/api/v1/projects/{project.id}/questions", headers=bearer(secret),
                        json={"body": "Can we move the demo?"})
    assert asked.status_code == 201
    replied = client.post(f"/api/v1/questions/{asked.json['id']}/replies",
                          headers=bearer(secret), json={"body": "Yes: Thursday."})
    assert replied.status_code == 201
    assert [r["body"] for r in replied.json["replies"]] == ["Yes: Thursday."]


def test_a_read_key_cannot_write(app, make, new_key):
    acme = make.organization("Acme Corp")
    reader = new_key(Scope.READ)
    answer = app.test_client().post("/api/v1/projects", headers=bearer(reader),
                                    json={"account_id": acme.id, "name": "New"})
    assert answer.status_code == 403
    assert Role  # the key's creator is an admin (tests/api/conftest.py)


def test_a_finished_project_is_closed_out_as_from_the_staff_page(app, make, new_key, smtp):
    from portal.closeout.models import Closeout
    from portal.projects.models import ProjectStatus
    from tests.support.mail import run_jobs
    from tests.webhooks.support import event_types, register

    care = make.user("casey@firm.example", role=Role.STAFF, name="Casey Care")
    make.user("jordan@acme.example", organization="Acme Corp")
    open_project = make.project("Acme Corp", name="Intranet")
    done = make.project("Acme Corp", name="Website", status=ProjectStatus.DONE)
    register(app, make, "https://crm.example/hooks", events=["closeout.published"])
    client, secret = app.test_client(), new_key()
    body = {"summary": "We shipped the site.", "outcomes": "Live a week early.",
            "care_contact_id": care.id, "care_next_steps": "A check-in in a month."}
    not_finished = client.post(f"/api/v1/projects/{open_project.id}/closeout",
                               headers=bearer(secret), json=body)
    assert not_finished.status_code == 422
    assert "not finished" in not_finished.json["errors"][0]["message"]
    published = client.post(f"/api/v1/projects/{done.id}/closeout", headers=bearer(secret),
                            json=body)
    assert published.status_code == 201, published.json
    assert published.headers["Location"] == f"/api/v1/closeouts/{published.json['id']}"
    again = client.post(f"/api/v1/projects/{done.id}/closeout", headers=bearer(secret),
                        json=body)
    assert again.status_code == 409
    run_jobs(app)
    assert "jordan@acme.example" in smtp.recipients()
    assert event_types(app) == ["closeout.published"]
    with app.app_context():
        assert db.session.get(Project, done.id).closed_on is not None
        assert db.session.get(Project, open_project.id).closed_on is None
        assert len(db.session.scalars(select(Closeout)).all()) == 1
