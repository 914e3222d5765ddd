"""Admins keep project templates; staff open a project from one and get its milestones dated
from the project's start, in order."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.content import services as content_services
from portal.content.models import ProcessStep
from portal.devdata import demo_content
from portal.extensions import db
from portal.project_templates.models import MAX_MILESTONES, ProjectTemplate, TemplateMilestone
from portal.projects.models import Milestone, Project
from tests.support.forms import hidden_fields
from tests.support.rows import count_rows

ADMIN = "admin@firm.example"
NEW = "/admin/project-templates/new"


@pytest.fixture
def people(make):
    """An admin, a staff member (a Talent Partner) and a client of Acme."""
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    staff = make.user("sofia@firm.example", role=Role.STAFF, name="Sofia Lindqvist")
    make.user("jordan@acme.example", organization="Acme Corp")
    return staff


def _rows(*milestones) -> dict:
    """Form fields for milestone rows: (title, days, unit, role, owner id)."""
    data = {}
    for i, (title, days, unit, role, owner) in enumerate(milestones):
        data |= {f"milestones-{i}-title": title, f"milestones-{i}-duration_days": days,
                 f"milestones-{i}-unit": unit, f"milestones-{i}-owner_role": role,
                 f"milestones-{i}-owner_id": owner}
    return data


def _template_form(name="IT project", cadence=7, rows=None) -> dict:
    return {"name": name, "description": "Phases.", "update_cadence_days": cadence,
            **(rows if rows is not None else _rows(("Discovery", 10, "working", "", 0),
                                                   ("Build", 14, "days", "", 0)))}


def _milestones(app, name: str) -> list[tuple]:
    with app.app_context():
        template = db.session.scalars(select(ProjectTemplate).where(
            ProjectTemplate.name == name)).one()
        return [(m.title, m.duration_days, m.working_days, m.owner_role, m.owner_id)
                for m in template.milestones]


def test_an_admin_keeps_a_template_and_it_is_audited(app, people, signed_in, post_form):
    admin = signed_in(ADMIN)
    response = post_form(admin, NEW, _template_form())
    assert response.status_code == 302
    assert _milestones(app, "IT project") == [("Discovery", 10, True, "", None),
                                              ("Build", 14, False, "", None)]
    page = admin.get("/admin/project-templates").get_data(as_text=True)
    assert "IT project" in page and "10 working days" in page and "14 days" in page
    assert count_rows(app, AuditEvent, AuditEvent.action == "project_template.created") == 1


def test_staff_and_clients_do_not_find_the_template_pages(people, signed_in):
    for email in ("sofia@firm.example", "jordan@acme.example"):
        browser = signed_in(email)
        assert browser.get("/admin/project-templates").status_code == 404
        assert browser.get(NEW).status_code == 404


def test_a_post_without_its_csrf_token_saves_nothing(app, people, signed_in):
    response = signed_in(ADMIN).post(NEW, data=_template_form())
    assert response.status_code == 400
    assert count_rows(app, ProjectTemplate) == 0


def test_a_template_of_200_milestones_is_refused_with_a_message(app, people, signed_in,
                                                                post_form):
    rows = _rows(*[(f"Step {i}", 1, "days", "", 0) for i in range(200)])
    response = post_form(signed_in(ADMIN), NEW, _template_form(rows=rows))
    assert response.status_code == 422
    assert f"at most {MAX_MILESTONES} milestones; this one has 200" in response.get_data(
        as_text=True)
    assert count_rows(app, ProjectTemplate) == 0


def test_a_template_needs_a_milestone_and_durations_in_range(app, people, signed_in,
                                                             post_form):
    admin = signed_in(ADMIN)
    assert post_form(admin, NEW, _template_form(rows={})).status_code == 422
    response = post_form(admin, NEW, _template_form(rows=_rows(("Build", 9999, "days", "", 0))))
    assert response.status_code == 422
    assert "from 1 to 365" in response.get_data(as_text=True)
    response = post_form(admin, NEW, _template_form(rows=_rows(("Build", "", "days", "", 0))))
    assert "how many days" in response.get_data(as_text=True)
    assert count_rows(app, ProjectTemplate) == 0


def test_a_second_template_of_the_same_name_is_refused(app, people, signed_in, post_form):
    admin = signed_in(ADMIN)
    post_form(admin, NEW, _template_form())
    response = post_form(admin, NEW, _template_form(name="it PROJECT"))
    assert response.status_code == 422 and "already a template" in response.get_data(
        as_text=True)
    assert count_rows(app, ProjectTemplate) == 1


def test_an_edit_opened_before_another_admins_save_is_refused(app, people, make, signed_in,
                                                              post_form):
    make.user("second@firm.example", role=Role.ADMIN)
    first, second = signed_in(ADMIN), signed_in("second@firm.example")
    post_form(first, NEW, _template_form())
    with app.app_context():
        template_id = db.session.scalar(select(ProjectTemplate.id))
    path = f"/admin/project-templates/{template_id}/edit"
    opened = hidden_fields(first.get(path).get_data(as_text=True))
    assert post_form(second, path, _template_form(
        rows=_rows(("Discovery", 5, "working", "", 0)))).status_code == 302
    stale = first.post(path, data={**_template_form(rows=_rows(("Renamed", 3, "days", "", 0))),
                                   **opened})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "changed while you were editing" in page and 'value="Renamed"' in page
    assert _milestones(app, "IT project") == [("Discovery", 5, True, "", None)]


def test_an_admin_removes_a_milestone_by_clearing_its_title_and_deletes_a_template(
        app, people, signed_in, post_form):
    admin = signed_in(ADMIN)
    post_form(admin, NEW, _template_form())
    with app.app_context():
        template_id = db.session.scalar(select(ProjectTemplate.id))
    path = f"/admin/project-templates/{template_id}/edit"
    response = post_form(admin, path, {**hidden_fields(admin.get(path).get_data(as_text=True)),
                                       **_template_form(rows=_rows(("", 10, "working", "", 0),
                                                                   ("Build", 14, "days", "", 0)))})
    assert response.status_code == 302
    assert _milestones(app, "IT project") == [("Build", 14, False, "", None)]
    assert post_form(admin, f"/admin/project-templates/{template_id}/delete", {},
                     form_page="/admin/project-templates").status_code == 302
    assert count_rows(app, ProjectTemplate) == 0 and count_rows(app, TemplateMilestone) == 0


def test_the_process_steps_are_a_one_click_starting_point(app, people, signed_in):
    with app.app_context():
        for title in ("Briefing", "Sourcing", "Interviews"):
            content_services.add_item(ProcessStep, by=None, title=title, body="How.")
        db.session.commit()
    page = signed_in(ADMIN).get("/admin/project-templates").get_data(as_text=True)
    assert "/admin/project-templates/new?from=process" in page
    form = signed_in(ADMIN).get(f"{NEW}?from=process").get_data(as_text=True)
    assert [form.index(f'value="{t}"') for t in ("Briefing", "Sourcing", "Interviews")] == \
        sorted(form.index(f'value="{t}"') for t in ("Briefing", "Sourcing", "Interviews"))
    assert 'value="Permanent placement"' in form


def _add_working_days(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day


def test_a_new_project_from_a_template_gets_its_milestones_dated_from_its_start(
        app, people, make, signed_in, post_form):
    with app.app_context():
        db.session.get(User, people.id).job_title = "Talent Partner"
        db.session.commit()
    post_form(signed_in(ADMIN), NEW, _template_form(name="Placement", cadence=5, rows=_rows(
        ("Briefing", 3, "working", "talent partner", 0), ("Shortlist", 10, "days", "", 0),
        ("Placed", 1, "working", "", people.id))))
    acme = make.organization("Acme Corp")
    with app.app_context():
        template_id = db.session.scalar(select(ProjectTemplate.id))
    start = date(2026, 12, 4)  # a Friday: three working days later is Wednesday
    response = post_form(signed_in(ADMIN), "/staff/projects/new", {
        "organization_id": acme.id, "name": "Head of Finance", "contact_id": 0,
        "update_cadence_days": 14, "started_on": start.isoformat(), "eta": "",
        "eta_confidence": "medium", "template_id": template_id, "summary": ""})
    assert response.status_code == 302
    first = _add_working_days(start, 3)
    second = first + timedelta(days=10)
    third = _add_working_days(second, 1)
    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        assert project.update_cadence_days == 5
        got = [(m.title, m.position, m.planned_on, m.eta, m.owner_id)
               for m in db.session.scalars(select(Milestone).order_by(Milestone.position))]
    assert first == date(2026, 12, 9)
    assert got == [("Briefing", 0, first, first, people.id), ("Shortlist", 1, second, second, None),
                   ("Placed", 2, third, third, people.id)]


def test_a_project_without_a_template_gets_no_milestones(app, people, make, signed_in,
                                                         post_form):
    acme = make.organization("Acme Corp")
    response = post_form(signed_in(ADMIN), "/staff/projects/new", {
        "organization_id": acme.id, "name": "Audit", "contact_id": 0, "summary": "",
        "update_cadence_days": 14, "started_on": "", "eta": "", "eta_confidence": "medium",
        "template_id": 0})
    assert response.status_code == 302
    assert count_rows(app, Milestone) == 0


def test_seeding_the_demo_twice_creates_the_two_templates_once(app):
    created = []
    for _ in range(2):
        with app.app_context():
            demo_content.seed_demo_content()
            created.append(demo_content.seed_demo_templates())
            db.session.commit()
    assert created == [True, False]
    with app.app_context():
        names = db.session.scalars(select(ProjectTemplate.name).order_by(ProjectTemplate.name))
        assert list(names) == ["IT project", "Permanent placement"]
        placement = db.session.scalars(select(ProjectTemplate).where(
            ProjectTemplate.name == "Permanent placement")).one()
        steps = db.session.scalars(select(ProcessStep.title).order_by(ProcessStep.position))
        assert [m.title for m in placement.milestones] == list(steps)


def test_an_edit_of_a_template_deleted_meanwhile_comes_back_to_be_added_again(
        app, people, signed_in, post_form):
    admin = signed_in(ADMIN)
    post_form(admin, NEW, _template_form())
    with app.app_context():
        template_id = db.session.scalar(select(ProjectTemplate.id))
    path = f"/admin/project-templates/{template_id}/edit"
    opened = hidden_fields(admin.get(path).get_data(as_text=True))
    post_form(admin, f"/admin/project-templates/{template_id}/delete", {},
              form_page="/admin/project-templates")
    response = admin.post(path, data={**_template_form(name="Kept words"), **opened})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "deleted while you were editing" in page and 'value="Kept words"' in page
    assert 'action="/admin/project-templates/new"' in page
    assert count_rows(app, ProjectTemplate) == 0
    assert admin.get(path).status_code == 404
