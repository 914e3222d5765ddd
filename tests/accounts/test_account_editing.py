"""Staff keep an account true: its name, owner, client-care owner and timezone, each change
audited with the old and the new value and shown to its clients at once; a form opened on an
older state gets 409. Archiving an account takes it and its projects off its clients' pages
and the staff lists (a "show archived" filter brings them back into view); restoring undoes
it."""

import pytest
from sqlalchemy import func, select

from portal.accounts import services as account_services
from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project
from portal.pulses import services as pulses
from tests.support.forms import field_values

CHANGED = "This changed while you were editing: here is the current state."


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def acme(make, staff):
    """Acme with a client user and two projects."""
    organization = make.organization("Acme Corp", account_owner=None)
    make.user("jordan@acme.example", organization="Acme Corp")
    first = make.project("Acme Corp", name="Customer portal rebuild", contact=staff)
    second = make.project("Acme Corp", name="Helpdesk cover")
    return {"organization": organization, "projects": [first, second]}


def _path(acme) -> str:
    return f"/staff/accounts/{acme['organization'].id}/edit"


def _form(browser, path: str, **changes) -> dict:
    return {**field_values(browser.get(path).get_data(as_text=True)), **changes}


def _versions(app, acme) -> list[int]:
    with app.app_context():
        return [db.session.get(Project, p.id).version for p in acme["projects"]]


def _organization(app, acme) -> Organization:
    with app.app_context():
        db.session().expire_on_commit = False
        return db.session.get(Organization, acme["organization"].id)


def _audit(app, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == action)))


def test_staff_edit_an_account_and_its_clients_see_it_on_every_project(
        app, signed_in, acme, make, staff):
    care = make.user("sam@firm.example", role=Role.STAFF, name="Sam Care")
    client = signed_in("jordan@acme.example")
    dashboard = client.get("/live")
    before = _versions(app, acme)
    browser = signed_in("priya@firm.example")
    assert f'href="{_path(acme)}"' in browser.get(
        f"/staff/accounts/{acme['organization'].id}").get_data(as_text=True)
    staff_id = str(staff.id)
    response = browser.post(_path(acme), data=_form(
        browser, _path(acme), name="Acme Corporation", account_owner_id=staff_id,
        care_owner_id=str(care.id), timezone="Europe/London"))
    assert response.status_code == 302

    organization = _organization(app, acme)
    assert (organization.name, organization.account_owner_id, organization.care_owner_id,
            organization.timezone) == ("Acme Corporation", int(staff_id), care.id,
                                       "Europe/London")
    assert all(after > was for after, was in zip(_versions(app, acme), before, strict=True))
    assert client.get("/live", headers={"If-None-Match": dashboard.headers["ETag"]}
                      ).status_code == 200
    assert "Acme Corporation" in client.get("/").get_data(as_text=True)
    [summary] = _audit(app, "organization.edited")
    assert summary == ("name: 'Acme Corp' -> 'Acme Corporation'; account_owner: 'nobody' -> "
                       "'Priya Nair'; care_owner: 'nobody' -> 'Sam Care'; "
                       "timezone: 'UTC' -> 'Europe/London'")


def test_a_ten_thousand_character_account_name_is_refused_and_changes_nothing(
        app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    before = _versions(app, acme)
    response = browser.post(_path(acme), data=_form(browser, _path(acme), name="A" * 10_000))
    assert response.status_code == 422
    assert "Field cannot be longer than 120 characters." in response.get_data(as_text=True)
    assert _organization(app, acme).name == "Acme Corp" and _versions(app, acme) == before
    assert _audit(app, "organization.edited") == []


def test_an_unknown_timezone_or_a_taken_name_is_refused(app, signed_in, acme, make):
    make.organization("Globex")
    browser = signed_in("priya@firm.example")
    taken = browser.post(_path(acme), data=_form(browser, _path(acme), name="globex"))
    assert taken.status_code == 422
    assert "An organisation called globex already exists." in taken.get_data(as_text=True)
    zone = browser.post(_path(acme), data=_form(browser, _path(acme), timezone="Mars/Olympus"))
    assert zone.status_code == 422
    assert _organization(app, acme).timezone == "UTC"


def test_a_stale_account_form_gets_409_with_the_current_state(app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    opened = _form(browser, _path(acme), name="Acme Group")
    colleague = signed_in("priya@firm.example")
    assert colleague.post(_path(acme), data=_form(colleague, _path(acme), name="Acme Ltd")
                          ).status_code == 302
    response = browser.post(_path(acme), data=opened)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and CHANGED in page and "Acme Ltd" in page
    assert 'value="Acme Group"' in page and _organization(app, acme).name == "Acme Ltd"


def test_an_archived_account_leaves_its_clients_and_the_staff_lists_until_restored(
        app, signed_in, acme, make):
    make.project("Globex", name="Network refresh")
    client = signed_in("jordan@acme.example")
    browser = signed_in("priya@firm.example")
    token = field_values(browser.get(_path(acme)).get_data(as_text=True))["csrf_token"]
    archive = f"/staff/accounts/{acme['organization'].id}/archive"
    assert browser.post(archive, data={"csrf_token": token}, follow_redirects=True
                        ).status_code == 200

    home = client.get("/").get_data(as_text=True)
    assert "Customer portal rebuild" not in home and "Helpdesk cover" not in home
    assert all(client.get(f"/projects/{p.id}").status_code == 404 for p in acme["projects"])
    staff_home = browser.get("/staff/").get_data(as_text=True)
    assert "Acme Corp" not in staff_home and "Network refresh" in staff_home
    assert "Acme Corp" in browser.get("/staff/?archived=shown").get_data(as_text=True)
    assert "Acme Corp" not in browser.get("/staff/health").get_data(as_text=True)
    assert "Acme Corp" in browser.get("/staff/health?archived=y").get_data(as_text=True)
    with app.app_context():  # nothing deleted
        assert db.session.scalar(select(func.count()).select_from(Project).where(
            Project.organization_id == acme["organization"].id)) == 2
    assert _audit(app, "organization.archived") == ["Acme Corp"]

    restore = f"/staff/accounts/{acme['organization'].id}/restore"
    assert browser.post(restore, data={"csrf_token": token}).status_code == 302
    assert "Helpdesk cover" in client.get("/").get_data(as_text=True)
    assert "Acme Corp" in browser.get("/staff/").get_data(as_text=True)
    assert _audit(app, "organization.restored") == ["Acme Corp"]


def test_clients_of_an_archived_account_get_no_periodic_pulse(app, acme, make, staff):
    make.user("kim@globex.example", organization="Globex")
    with app.app_context():
        account_services.set_archived(db.session.get(Organization, acme["organization"].id),
                                      True, by=db.session.get(User, staff.id))
        sent = pulses.periodic_pulses()
        db.session.commit()
        assert [request.user.email for request in sent] == ["kim@globex.example"]


def test_clients_get_404_for_editing_and_archiving_their_own_account(app, signed_in, acme):
    client = signed_in("jordan@acme.example")
    token = field_values(client.get("/").get_data(as_text=True)).get("csrf_token", "")
    assert client.get(_path(acme)).status_code == 404
    assert client.post(_path(acme), data={"csrf_token": token, "name": "Hacked"}
                       ).status_code == 404
    assert client.post(f"/staff/accounts/{acme['organization'].id}/archive",
                       data={"csrf_token": token}).status_code == 404
    organization = _organization(app, acme)
    assert (organization.name, organization.archived_at) == ("Acme Corp", None)
