"""A program changes a milestone or a contact as staff do on the web, with If-Match: the same
audit, emails and webhook events as the forms."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.api.models import Scope
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Milestone, Project
from portal.pulses.models import PulseRequest
from tests.api.conftest import bearer
from tests.webhooks.support import event_types, register


def _etag(client, secret: str, url: str) -> str:
    return client.get(url, headers=bearer(secret)).headers["ETag"]


def test_a_milestone_is_renamed_reassigned_and_moved_with_if_match(app, make, new_key):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp", name="Website")
    first = make.milestone(project, title="Design")
    second = make.milestone(project, title="Build")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/milestones/{second.id}"
    assert client.patch(url, headers=bearer(secret), json={"title": "x"}).status_code == 428
    etag = _etag(client, secret, url)
    changed = client.patch(url, headers=bearer(secret, **{"If-Match": etag}), json={
        "title": "Build and test", "owner_id": staff.id, "position": 0})
    assert changed.status_code == 200, changed.json
    assert (changed.json["title"], changed.json["owner_id"], changed.json["position"]) == (
        "Build and test", staff.id, 0)
    stale = client.patch(url, headers=bearer(secret, **{"If-Match": etag}), json={"title": "y"})
    assert stale.status_code == 412
    not_staff = client.patch(url, headers=bearer(secret, **{"If-Match": changed.headers["ETag"]}),
                             json={"owner_id": make.user(organization="Acme Corp").id})
    assert not_staff.status_code == 422 and not_staff.json["errors"][0]["field"] == "owner_id"
    too_far = client.patch(url, headers=bearer(secret, **{"If-Match": changed.headers["ETag"]}),
                           json={"position": 2})
    assert too_far.status_code == 422 and too_far.json["errors"][0]["field"] == "position"
    with app.app_context():
        plan = db.session.scalars(select(Milestone.title).where(
            Milestone.project_id == project.id).order_by(Milestone.position)).all()
        assert plan == ["Build and test", "Design"] and first.id != second.id
        audited = db.session.execute(select(AuditEvent.action, AuditEvent.actor_email).where(
            AuditEvent.target_type == "Milestone")).all()
        assert audited == [("milestone.edited", "API key Jira sync")]


def test_completing_a_milestone_asks_the_client_and_tells_the_webhooks(app, make, new_key):
    project = make.project("Acme Corp", name="Website")
    make.user("jordan@acme.example", organization="Acme Corp")
    milestone = make.milestone(project, title="Design")
    register(app, make, "https://crm.example/hooks", events=["milestone.completed"])
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/milestones/{milestone.id}"
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = client.patch(url, headers=bearer(secret, **{"If-Match": _etag(client, secret, url)}),
                           json={"completed_on": future})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "completed_on"
    today = date.today().isoformat()
    done = client.patch(url, headers=bearer(secret, **{"If-Match": _etag(client, secret, url)}),
                        json={"completed_on": today})
    assert done.status_code == 200 and done.json["completed_on"] == today
    assert event_types(app) == ["milestone.completed"]
    reopen = client.patch(url, headers=bearer(secret, **{"If-Match": done.headers["ETag"]}),
                          json={"completed_on": None})
    assert reopen.status_code == 422 and "cannot be reopened" in reopen.json["errors"][0]["message"]
    with app.app_context():
        assert db.session.get(Milestone, milestone.id).completed_on.isoformat() == today
        asked = db.session.scalars(select(PulseRequest).where(
            PulseRequest.milestone_id == milestone.id)).all()
        assert [r.user.email for r in asked] == ["jordan@acme.example"]
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "milestone.completed")).all() == ["milestone.completed"]


def test_a_contact_is_renamed_and_deactivated_with_if_match(app, make, new_key, signed_in):
    jordan = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan")
    staff = make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("jordan@acme.example")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/contacts/{jordan.id}"
    renamed = client.patch(url, headers=bearer(secret, **{"If-Match": _etag(client, secret, url)}),
                           json={"name": "Jordan Lee", "external_id": "P-1"})
    assert renamed.status_code == 200
    assert (renamed.json["name"], renamed.json["external_id"]) == ("Jordan Lee", "P-1")
    off = client.patch(url, headers=bearer(secret, **{"If-Match": renamed.headers["ETag"]}),
                       json={"active": False})
    assert off.status_code == 200 and off.json["active"] is False
    assert browser.get("/").status_code == 302  # their open session ended
    assert client.patch(f"/api/v1/contacts/{staff.id}", json={"name": "Not a contact"},
                        headers=bearer(secret, **{"If-Match": '"x"'})).status_code == 404
    with app.app_context():
        person = db.session.get(User, jordan.id)
        assert (person.name, person.active) == ("Jordan Lee", False)
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "User", AuditEvent.target_id == jordan.id,
            AuditEvent.actor_email == "API key Jira sync").order_by(AuditEvent.id)).all() == [
            "user.profile_changed", "user.deactivated"]


def test_a_project_is_archived_and_restored_as_its_buttons_do(app, make, new_key):
    project = make.project("Acme Corp", name="Website")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/projects/{project.id}"
    archived = client.patch(url, headers=bearer(secret, **{"If-Match": _etag(client, secret, url)}),
                            json={"archived": True})
    assert archived.status_code == 200 and archived.json["archived_at"] is not None
    with app.app_context():
        assert db.session.get(Project, project.id).archived_at is not None
    restored = client.patch(url, headers=bearer(secret, **{"If-Match": archived.headers["ETag"]}),
                            json={"archived": False})
    assert restored.status_code == 200 and restored.json["archived_at"] is None
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "Project", AuditEvent.action.in_(
                ["project.archived", "project.restored"])).order_by(AuditEvent.id)).all() == [
            "project.archived", "project.restored"]


def test_a_contacts_job_title_and_phone_are_changed_as_on_the_profile_form(app, make, new_key):
    jordan = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/contacts/{jordan.id}"
    changed = client.patch(url, headers=bearer(secret, **{"If-Match": _etag(client, secret, url)}),
                           json={"job_title": "Head of IT", "phone": "+49 30 1234567"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["job_title"], changed.json["phone"]) == ("Head of IT", "+49 30 1234567")
    assert client.get(url, headers=bearer(secret)).json["phone"] == "+49 30 1234567"
    cleared = client.patch(url, headers=bearer(secret, **{"If-Match": changed.headers["ETag"]}),
                           json={"phone": None})
    assert cleared.status_code == 200
    assert (cleared.json["job_title"], cleared.json["phone"]) == ("Head of IT", None)
    with app.app_context():
        person = db.session.get(User, jordan.id)
        assert (person.name, person.job_title, person.phone) == ("Jordan", "Head of IT", None)
        audited = db.session.execute(select(
            AuditEvent.action, AuditEvent.actor_email, AuditEvent.organization_id,
            AuditEvent.summary).where(AuditEvent.target_id == jordan.id,
                                      AuditEvent.action == "user.profile_changed")
            .order_by(AuditEvent.id)).all()
        assert audited == [
            ("user.profile_changed", "API key Jira sync", person.organization_id,
             "jordan@acme.example: job title — to Head of IT; phone — to +49 30 1234567"),
            ("user.profile_changed", "API key Jira sync", person.organization_id,
             "jordan@acme.example: phone +49 30 1234567 to —")]


def test_a_bad_job_title_or_phone_is_a_422_naming_it_and_changes_nothing(app, make, new_key):
    jordan = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/contacts/{jordan.id}"
    etag = _etag(client, secret, url)
    for body, field in [({"phone": "+49 30 " + "1" * 34}, "phone"),  # 41 characters
                        ({"job_title": "x" * 121}, "job_title"),
                        ({"name": "Jordan Lee", "phone": "+49\x0030"}, "phone"),
                        ({"name": "Jordan Lee", "job_title": "Head\u2028of IT"}, "job_title"),
                        ({"name": " ", "job_title": "Head of IT"}, "name")]:
        refused = client.patch(url, headers=bearer(secret, **{"If-Match": etag}), json=body)
        assert refused.status_code == 422, body
        assert refused.mimetype == "application/problem+json"
        assert [(e["location"], e["field"]) for e in refused.json["errors"]] == [
            ("json", field)], body
    assert _etag(client, secret, url) == etag
    with app.app_context():
        person = db.session.get(User, jordan.id)
        assert (person.name, person.job_title, person.phone) == ("Jordan", None, None)
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.profile_changed")).first()


def test_a_published_closeout_is_edited_with_if_match_as_on_the_staff_page(
        app, make, new_key, signed_in):
    from portal.closeout.models import Closeout
    from portal.projects.models import ProjectStatus
    from tests.support.mail import run_jobs

    casey = make.user("casey@firm.example", role=Role.STAFF, name="Casey Care")
    robin = make.user("robin@firm.example", role=Role.STAFF, name="Robin Hale")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Website", status=ProjectStatus.DONE)
    closeout = make.closeout(project, contact=casey, summary="We shipped the site.")
    still_open = make.project("Acme Corp", name="Intranet")
    client, secret = app.test_client(), new_key()
    url = f"/api/v1/projects/{project.id}/closeout"
    read = client.get(f"/api/v1/closeouts/{closeout.id}", headers=bearer(secret))
    etag = read.headers["ETag"]
    assert client.patch(url, headers=bearer(secret), json={"lessons": "x"}).status_code == 428
    edited = client.patch(url, headers=bearer(secret, **{"If-Match": etag}), json={
        "summary": "We shipped the site and its **search**.", "care_contact_id": robin.id})
    assert edited.status_code == 200, edited.json
    assert (edited.json["summary"], edited.json["care_contact_id"], edited.json["outcomes"]) == (
        "We shipped the site and its **search**.", robin.id, read.json["outcomes"])
    assert edited.headers["ETag"] == client.get(f"/api/v1/closeouts/{closeout.id}",
                                                headers=bearer(secret)).headers["ETag"]
    stale = client.patch(url, headers=bearer(secret, **{"If-Match": etag}),
                         json={"summary": "An older story."})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    current = bearer(secret, **{"If-Match": edited.headers["ETag"]})
    emptied = client.patch(url, headers=current, json={"outcomes": "  \n"})
    assert emptied.status_code == 422 and emptied.json["errors"][0]["field"] == "outcomes"
    to_client = client.patch(url, headers=current, json={"care_contact_id": jordan.id})
    assert to_client.status_code == 422
    assert to_client.json["errors"][0]["field"] == "care_contact_id"
    none_yet = client.patch(f"/api/v1/projects/{still_open.id}/closeout", headers=current,
                            json={"summary": "x"})
    assert none_yet.status_code == 404
    reader = new_key(Scope.READ, name="Reporting")
    assert client.patch(url, headers=bearer(reader, **{"If-Match": edited.headers["ETag"]}),
                        json={"summary": "x"}).status_code == 403

    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}/closeout")
    assert "its <strong>search</strong>" in page.get_data(as_text=True)
    assert "Robin Hale" in page.get_data(as_text=True)
    run_jobs(app)
    with app.app_context():
        saved = db.session.get(Closeout, closeout.id)
        assert (saved.summary, saved.outcomes, saved.care_contact_id, saved.version) == (
            "We shipped the site and its **search**.", read.json["outcomes"], robin.id, 2)
        assert saved.pdf is not None  # rendered again after the change, as the page does
        assert db.session.execute(select(AuditEvent.action, AuditEvent.actor_email).where(
            AuditEvent.target_type == "Closeout", AuditEvent.action == "closeout.edited")
        ).all() == [("closeout.edited", "API key Jira sync")]
