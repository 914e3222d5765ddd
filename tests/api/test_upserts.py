"""A sync upserts a record in one call: PUT /<kind>/external/<its id> creates it the first
time and changes it afterwards, through the same rules as the staff forms."""

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Milestone, Project
from tests.api.conftest import bearer

URL = "/api/v1/projects/external/JIRA-42"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_first_put_creates_the_project_and_the_next_changes_it(app, make, new_key):
    acme = make.organization("Acme Corp")
    priya = make.user("priya@firm.example", role=Role.STAFF)
    client, secret = app.test_client(), new_key()
    body = {"account_id": acme.id, "name": "CRM rollout", "update_cadence_days": 14}
    created = client.put(URL, headers=bearer(secret), json={**body, "contact_id": priya.id})
    assert created.status_code == 201, created.json
    assert created.json["contact_id"] == priya.id
    assert created.json["external_id"] == "JIRA-42" and created.json["name"] == "CRM rollout"
    assert created.headers["Location"] == f"/api/v1/projects/{created.json['id']}"
    changed = client.put(URL, headers=bearer(secret), json={**body, "name": "CRM, phase 1"})
    assert changed.status_code == 200, changed.json
    assert changed.json["id"] == created.json["id"] and changed.json["name"] == "CRM, phase 1"
    read = client.get(f"/api/v1/projects/{created.json['id']}", headers=bearer(secret))
    assert read.headers["ETag"] == changed.headers["ETag"]  # what the sync keeps for If-Match
    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        # the whole record: the contact left out of the second PUT is no longer the contact
        assert (project.name, project.update_cadence_days, project.contact_id) == (
            "CRM, phase 1", 14, None)
        actions = db.session.execute(select(AuditEvent.action, AuditEvent.actor_email).where(
            AuditEvent.target_type == "Project").order_by(AuditEvent.id)).all()
    assert actions == [("project.opened", "API key Jira sync"),
                       ("project.edited", "API key Jira sync")]


def test_if_match_is_checked_when_sent_and_may_be_left_out(app, make, new_key):
    acme = make.organization("Acme Corp")
    client, secret = app.test_client(), new_key()
    body = {"account_id": acme.id, "name": "CRM rollout"}
    nothing_yet = client.put(URL, headers=bearer(secret, **{"If-Match": '"abc"'}), json=body)
    assert nothing_yet.status_code == 412 and _count(app, Project) == 0
    etag = client.put(URL, headers=bearer(secret), json=body).headers["ETag"]
    staff_edit = client.put(URL, headers=bearer(secret), json={**body, "name": "Renamed"})
    assert staff_edit.status_code == 200  # no If-Match: the sync overwrites
    stale = client.put(URL, headers=bearer(secret, **{"If-Match": etag}),
                       json={**body, "name": "Lost update"})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    fresh = client.put(URL, headers=bearer(secret, **{"If-Match": staff_edit.headers["ETag"]}),
                       json={**body, "name": "Checked"})
    assert fresh.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Project.name)).all() == ["Checked"]


def test_an_upsert_keeps_the_forms_rules_and_never_moves_a_project(app, make, new_key):
    acme, globex = make.organization("Acme Corp"), make.organization("Globex")
    make.project("Acme Corp", name="Website")
    client, secret = app.test_client(), new_key()
    taken = client.put(URL, headers=bearer(secret), json={"account_id": acme.id,
                                                          "name": "website"})
    assert taken.status_code == 422 and taken.json["errors"][0]["field"] == "name"
    client.put(URL, headers=bearer(secret), json={"account_id": acme.id, "name": "CRM"})
    moved = client.put(URL, headers=bearer(secret), json={"account_id": globex.id,
                                                          "name": "CRM"})
    assert moved.status_code == 422 and moved.json["errors"][0]["field"] == "account_id"
    control = client.put("/api/v1/projects/external/A%07B", headers=bearer(secret),
                         json={"account_id": acme.id, "name": "Bell"})
    assert control.status_code == 422
    with app.app_context():
        assert sorted(db.session.scalars(select(Project.name))) == ["CRM", "Website"]
        assert db.session.scalars(select(Project.organization_id).where(
            Project.name == "CRM")).one() == acme.id


def test_an_external_id_with_a_slash_is_upserted_at_its_own_url(app, make, new_key):
    acme = make.organization("Acme Corp")
    client, secret = app.test_client(), new_key()
    put = client.put("/api/v1/projects/external/ATS/2026/17", headers=bearer(secret),
                     json={"account_id": acme.id, "name": "Hiring drive"})
    assert put.status_code == 201 and put.json["external_id"] == "ATS/2026/17"


def test_a_retried_put_with_its_idempotency_key_is_answered_as_the_first_time(
        app, make, new_key):
    acme = make.organization("Acme Corp")
    client, secret = app.test_client(), new_key()
    headers = bearer(secret, **{"Idempotency-Key": "sync-run-7"})
    body = {"account_id": acme.id, "name": "Once"}
    first = client.put(URL, headers=headers, json=body)
    again = client.put(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert client.put(URL, headers=headers, json={**body, "name": "Other"}).status_code == 422
    assert _count(app, Project) == 1


def test_a_milestone_is_upserted_on_its_project(app, make, new_key):
    staff = make.user("priya@firm.example", role=Role.STAFF)
    project = make.project("Acme Corp", name="Website")
    other = make.project("Acme Corp", name="Intranet")
    client, secret = app.test_client(), new_key()
    url = "/api/v1/milestones/external/MS-1"
    body = {"project_id": project.id, "title": "Design", "planned_on": None}
    created = client.put(url, headers=bearer(secret), json=body)
    assert created.status_code == 201 and created.json["project_id"] == project.id
    changed = client.put(url, headers=bearer(secret),
                         json={**body, "title": "Visual design", "owner_id": staff.id})
    assert changed.status_code == 200
    assert (changed.json["title"], changed.json["owner_id"]) == ("Visual design", staff.id)
    moved = client.put(url, headers=bearer(secret), json={**body, "project_id": other.id})
    assert moved.status_code == 422
    with app.app_context():
        milestone = db.session.scalars(select(Milestone)).one()
        assert (milestone.project_id, milestone.title) == (project.id, "Visual design")


def test_a_contact_is_invited_once_then_renamed(app, make, new_key, smtp):
    acme = make.organization("Acme Corp")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan")
    client, secret = app.test_client(), new_key()
    url = "/api/v1/contacts/external/P-2001"
    body = {"account_id": acme.id, "email": "sam@acme.example", "name": "Sam Lee"}
    created = client.put(url, headers=bearer(secret), json=body)
    assert created.status_code == 201 and created.json["external_id"] == "P-2001"
    from tests.support.mail import run_jobs

    run_jobs(app)
    assert "sam@acme.example" in smtp.recipients()
    renamed = client.put(url, headers=bearer(secret), json={**body, "name": "Samantha Lee"})
    assert renamed.status_code == 200 and renamed.json["name"] == "Samantha Lee"
    new_email = client.put(url, headers=bearer(secret), json={**body, "email": "s@acme.example"})
    assert new_email.status_code == 422 and new_email.json["errors"][0]["field"] == "email"
    existing = client.put("/api/v1/contacts/external/P-2002", headers=bearer(secret),
                          json={**body, "email": "Jordan@acme.example", "name": "Jordan Ray"})
    assert existing.status_code == 200  # the account's person, now known by the sync's id
    with app.app_context():
        people = dict(db.session.execute(select(User.email, User.external_id).where(
            User.role == Role.CLIENT)).all())
        assert people == {"sam@acme.example": "P-2001", "jordan@acme.example": "P-2002"}
        names = dict(db.session.execute(select(User.email, User.name)).all())
        assert names["sam@acme.example"] == "Samantha Lee"
        assert names["jordan@acme.example"] == "Jordan Ray"
    assert smtp.recipients().count("jordan@acme.example") == 0


def test_a_contacts_job_title_and_phone_are_kept_unless_the_sync_sends_them(app, make, new_key):
    acme = make.organization("Acme Corp")
    client, secret = app.test_client(), new_key()
    url = "/api/v1/contacts/external/P-3001"
    body = {"account_id": acme.id, "email": "sam@acme.example", "name": "Sam Lee"}
    created = client.put(url, headers=bearer(secret), json={**body, "job_title": "CFO"})
    assert created.status_code == 201
    assert (created.json["job_title"], created.json["phone"]) == ("CFO", None)
    phoned = client.put(url, headers=bearer(secret), json={**body, "phone": "+1 212 555 0100"})
    assert (phoned.json["job_title"], phoned.json["phone"]) == ("CFO", "+1 212 555 0100")
    untitled = client.put(url, headers=bearer(secret), json={**body, "job_title": None})
    assert (untitled.json["job_title"], untitled.json["phone"]) == (None, "+1 212 555 0100")
    too_long = client.put(url, headers=bearer(secret), json={**body, "phone": "1" * 41})
    assert too_long.status_code == 422 and too_long.json["errors"][0]["field"] == "phone"
    with app.app_context():
        person = db.session.scalars(select(User).where(User.external_id == "P-3001")).one()
        assert (person.job_title, person.phone) == (None, "+1 212 555 0100")
