"""Staff keep a project true after it opened: they edit its details and its milestones, shift
its whole plan in one step, and archive or restore it. The client sees each change live (the
project's version moves, an open page's poll gets the new content), every change is audited
with the old and the new value, and a form opened on an older state gets 409 with the current
one."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.editing import shifted
from portal.projects.models import EtaChange, Milestone, Project, StatusUpdate
from portal.projects.services import complete_milestone
from tests.support.forms import field_values

CHANGED = "This changed while you were editing: here is the current state."


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def acme(app, make, staff):
    """An Acme project with a client user: two open milestones and one delivered."""
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Customer portal rebuild", contact=staff)
    first = make.milestone(project, title="Design", owner=staff, planned_in_days=10)
    second = make.milestone(project, title="Build", planned_in_days=20)
    done = make.milestone(project, title="Discovery", planned_in_days=0)
    with app.app_context():
        complete_milestone(db.session.get(Milestone, done.id), on=date.today())
        db.session.commit()
    return {"project": project, "first": first, "second": second, "done": done}


def _project(app, project_id: int) -> Project:
    with app.app_context():
        db.session().expire_on_commit = False
        project = db.session.get(Project, project_id)
        project.milestones  # noqa: B018 (loaded before the session closes)
        return project


def _audit(app, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == action).order_by(AuditEvent.id)))


def _edit_form(browser, path: str, **changes) -> dict:
    return {**field_values(browser.get(path).get_data(as_text=True)), **changes}


def test_staff_edit_a_project_and_the_client_sees_it_live_with_an_audit_of_old_and_new(
        app, signed_in, acme, make):
    other_lead = make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    project = acme["project"]
    client = signed_in("jordan@acme.example")
    live = client.get(f"/projects/{project.id}/live?part=head")
    dashboard = client.get("/live")
    before = _project(app, project.id).version

    staff = signed_in("priya@firm.example")
    assert f'href="/staff/projects/{project.id}/edit"' in staff.get(
        f"/projects/{project.id}").get_data(as_text=True)
    path = f"/staff/projects/{project.id}/edit"
    response = staff.post(path, data=_edit_form(
        staff, path, name="Client portal, phase 1", summary="The **new** portal.",
        contact_id=str(other_lead.id), update_cadence_days="14"))
    assert response.status_code == 302

    after = _project(app, project.id)
    assert (after.name, after.summary, after.contact_id, after.update_cadence_days) == (
        "Client portal, phase 1", "The **new** portal.", other_lead.id, 14)
    assert after.version > before
    polled = client.get(f"/projects/{project.id}/live?part=head",
                        headers={"If-None-Match": live.headers["ETag"]})
    assert polled.status_code == 200  # an open page refreshes
    card = client.get("/live", headers={"If-None-Match": dashboard.headers["ETag"]})
    assert card.status_code == 200 and "Client portal, phase 1" in card.get_data(as_text=True)
    [summary] = _audit(app, "project.edited")
    assert "name: 'Customer portal rebuild' -> 'Client portal, phase 1'" in summary
    assert f"contact_id: {acme['project'].contact_id} -> {other_lead.id}" in summary
    assert "update_cadence_days: 7 -> 14" in summary


def test_a_ten_thousand_character_name_is_refused_with_a_message_and_changes_nothing(
        app, signed_in, acme):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/edit"
    before = _project(app, project.id)
    response = staff.post(path, data=_edit_form(staff, path, name="x" * 10_000))
    assert response.status_code == 422
    assert "Field cannot be longer than 160 characters." in response.get_data(as_text=True)
    after = _project(app, project.id)
    assert (after.name, after.version) == (before.name, before.version)
    assert _audit(app, "project.edited") == []


def test_a_name_another_project_of_the_client_has_is_refused(app, signed_in, acme, make):
    make.project("Acme Corp", name="Helpdesk cover")
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{acme['project'].id}/edit"
    response = staff.post(path, data=_edit_form(staff, path, name="helpdesk cover"))
    assert response.status_code == 422
    assert "This client already has a project called helpdesk cover." in response.get_data(
        as_text=True)


def test_a_stale_project_form_gets_409_with_the_current_state_and_the_typed_words_kept(
        app, signed_in, acme):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/edit"
    opened = _edit_form(staff, path, name="My name for it")
    colleague = signed_in("priya@firm.example")
    assert colleague.post(path, data=_edit_form(colleague, path, name="Their name")
                          ).status_code == 302
    response = staff.post(path, data=opened)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert CHANGED in page and "Their name" in page and 'value="My name for it"' in page
    assert _project(app, project.id).name == "Their name"
    # Submitted again from the page handed back, it goes through.
    assert staff.post(path, data=field_values(page)).status_code == 302
    assert _project(app, project.id).name == "My name for it"


def test_staff_edit_a_milestone_owner_and_place_and_the_client_sees_the_new_order(
        app, signed_in, acme, make):
    lead = make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    project = acme["project"]
    before = _project(app, project.id)
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/milestones/{acme['second'].id}/edit"
    response = staff.post(path, data=_edit_form(staff, path, title="Build and test",
                                                owner_id=str(lead.id), place="1"))
    assert response.status_code == 302
    after = _project(app, project.id)
    assert [m.title for m in after.milestones] == ["Build and test", "Design", "Discovery"]
    assert [m.position for m in after.milestones] == [0, 1, 2]
    assert after.milestones[0].owner_id == lead.id and after.version > before.version
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(
        as_text=True)
    assert page.index("Build and test") < page.index("Design")
    [summary] = _audit(app, "milestone.edited")
    assert summary == ("title: 'Build' -> 'Build and test'; owner: 'nobody' -> "
                       "'Daniel Okafor'; place: 2 -> 1")


def test_a_milestone_place_outside_the_plan_is_refused(app, signed_in, acme):
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{acme['project'].id}/milestones/{acme['first'].id}/edit"
    response = staff.post(path, data=_edit_form(staff, path, place="10000"))
    assert response.status_code == 422
    assert "Choose a place from 1 to 3." in response.get_data(as_text=True)
    assert [m.title for m in _project(app, acme["project"].id).milestones] == [
        "Design", "Build", "Discovery"]


def test_shifting_the_plan_moves_the_eta_and_each_open_milestone_with_one_reason(
        app, signed_in, acme):
    project = _project(app, acme["project"].id)
    open_before = {m.id: m.eta for m in project.milestones if not m.is_done}
    done_before = acme["done"].eta
    staff = signed_in("priya@firm.example")
    assert f'href="/staff/projects/{project.id}/shift"' in staff.get(
        f"/projects/{project.id}").get_data(as_text=True)
    path = f"/staff/projects/{project.id}/shift"
    reason = "The data export arrives two weeks late."
    response = staff.post(path, data=_edit_form(staff, path, days="14", reason=reason))
    assert response.status_code == 302

    with app.app_context():  # recomputed from the rows, not from the service
        changes = db.session.execute(select(
            EtaChange.milestone_id, EtaChange.old_eta, EtaChange.new_eta, EtaChange.reason,
            EtaChange.update_id).where(EtaChange.project_id == project.id)).all()
        updates = db.session.scalars(select(StatusUpdate).where(
            StatusUpdate.project_id == project.id)).all()
        done_eta = db.session.get(Milestone, acme["done"].id).eta
    expected = {(None, project.eta, project.eta + timedelta(days=14))} | {
        (mid, eta, eta + timedelta(days=14)) for mid, eta in open_before.items()}
    assert {(m, old, new) for m, old, new, _, _ in changes} == expected
    assert {r for _, _, _, r, _ in changes} == {reason}
    assert len(updates) == 1 and reason in updates[0].body
    assert [u for m, *_, u in changes if m is None] == [updates[0].id]
    assert done_eta == done_before  # a delivered milestone stays where it was
    history = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(
        as_text=True)
    assert history.count(reason) >= 3  # the project's and each open milestone's entry
    assert len(_audit(app, "project.plan_shifted")) == 1


def test_a_shift_in_working_days_skips_weekends():
    friday = date(2026, 12, 4)
    assert shifted(friday, 1, working_days=True) == date(2026, 12, 7)
    assert shifted(friday, 5, working_days=True) == date(2026, 12, 11)
    assert shifted(date(2026, 12, 7), -1, working_days=True) == friday
    assert shifted(friday, 3, working_days=False) == date(2026, 12, 7)


@pytest.mark.parametrize("days", ["0", "10000", "-10000"])
def test_a_shift_of_zero_or_of_ten_thousand_days_is_refused_and_moves_nothing(
        app, signed_in, acme, days):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/shift"
    response = staff.post(path, data=_edit_form(staff, path, days=days, reason="Why not"))
    assert response.status_code == 422
    assert "Shift the plan by 1 to 365 days" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(EtaChange)).all() == []


def test_a_shift_without_a_reason_or_into_the_past_is_refused(app, signed_in, acme):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/shift"
    no_reason = staff.post(path, data=_edit_form(staff, path, days="3", reason=""))
    assert no_reason.status_code == 422 and "Say why the plan moves." in no_reason.get_data(
        as_text=True)
    past = staff.post(path, data=_edit_form(staff, path, days="-30", reason="Faster"))
    assert past.status_code == 422 and "in the past" in past.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(EtaChange)).all() == []


def test_a_shift_opened_before_someone_moved_the_plan_gets_409(app, signed_in, acme):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/shift"
    opened = _edit_form(staff, path, days="7", reason="Supplier late")
    colleague = signed_in("priya@firm.example")
    assert colleague.post(path, data=_edit_form(colleague, path, days="2", reason="Holiday")
                          ).status_code == 302
    response = staff.post(path, data=opened)
    assert response.status_code == 409 and CHANGED in response.get_data(as_text=True)
    with app.app_context():
        reasons = set(db.session.scalars(select(EtaChange.reason)))
    assert reasons == {"Holiday"}


def test_an_archived_project_leaves_the_client_dashboard_and_staff_lists_and_comes_back(
        app, signed_in, acme, make):
    project = acme["project"]
    kept = make.project("Acme Corp", name="Helpdesk cover")
    client = signed_in("jordan@acme.example")
    dashboard = client.get("/live")
    staff = signed_in("priya@firm.example")
    edit_page = f"/staff/projects/{project.id}/edit"
    token = field_values(staff.get(edit_page).get_data(as_text=True))["csrf_token"]

    assert staff.post(f"/staff/projects/{project.id}/archive", data={"csrf_token": token},
                      follow_redirects=True).status_code == 200
    home = client.get("/")
    assert "Customer portal rebuild" not in home.get_data(as_text=True)
    assert "Helpdesk cover" in home.get_data(as_text=True)
    assert client.get("/live", headers={"If-None-Match": dashboard.headers["ETag"]}
                      ).status_code == 200
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert client.get(f"/projects/{project.id}/live").status_code == 404
    staff_home = staff.get("/staff/").get_data(as_text=True)
    assert "Customer portal rebuild" not in staff_home and kept.name in staff_home
    shown = staff.get("/staff/?archived=shown").get_data(as_text=True)
    assert "Customer portal rebuild" in shown and "archived" in shown
    assert staff.get(f"/projects/{project.id}").status_code == 200  # staff still read it
    assert len(_audit(app, "project.archived")) == 1

    assert staff.post(f"/staff/projects/{project.id}/restore",
                      data={"csrf_token": token}).status_code == 302
    assert "Customer portal rebuild" in client.get("/").get_data(as_text=True)
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert len(_audit(app, "project.restored")) == 1


def test_clients_get_404_for_every_editing_page_even_on_their_own_project(
        app, signed_in, acme):
    project = acme["project"]
    client = signed_in("jordan@acme.example")
    token = field_values(client.get("/").get_data(as_text=True)).get("csrf_token", "")
    before = _project(app, project.id)
    for path in (f"/staff/projects/{project.id}/edit", f"/staff/projects/{project.id}/shift"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"csrf_token": token, "name": "Hacked", "days": "3",
                                       "reason": "x"}).status_code == 404
    assert client.post(f"/staff/projects/{project.id}/archive",
                       data={"csrf_token": token}).status_code == 404
    after = _project(app, project.id)
    assert (after.name, after.version, after.archived_at) == (before.name, before.version, None)


def test_an_edit_that_changes_nothing_bumps_nothing_and_audits_nothing(app, signed_in, acme):
    project = acme["project"]
    before = _project(app, project.id).version
    staff = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/edit"
    assert staff.post(path, data=_edit_form(staff, path)).status_code == 302
    assert _project(app, project.id).version == before
    assert _audit(app, "project.edited") == []
    with app.app_context():
        assert db.session.get(User, acme["project"].contact_id).name == "Priya Nair"
