"""Staff open accounts and projects and publish updates; clients read them."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import EtaChange, Project, ProjectStatus, StatusUpdate
from tests.support.rows import count_rows


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


def test_staff_create_an_account_and_a_project_for_it(app, signed_in, staff, post_form):
    browser = signed_in("priya@firm.example")
    response = post_form(browser, "/staff/accounts/new",
                         {"name": "Initech", "account_owner_id": staff.id, "timezone": "UTC"})
    assert response.status_code == 302
    with app.app_context():
        initech = db.session.scalars(select(Organization)).one()
        assert (initech.slug, initech.account_owner_id) == ("initech", staff.id)
    eta = date.today() + timedelta(days=60)
    response = post_form(browser, "/staff/projects/new", {
        "organization_id": initech.id, "name": "TPS report automation", "summary": "Less paper.",
        "contact_id": staff.id, "update_cadence_days": 7, "eta": eta.isoformat(),
        "eta_confidence": "high", "started_on": "",
    })
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "TPS report automation" in page and "Priya Nair" in page


def test_an_account_name_is_unique(signed_in, staff, make, post_form):
    make.organization("Initech")
    browser = signed_in("priya@firm.example")
    response = post_form(browser, "/staff/accounts/new",
                         {"name": "initech", "account_owner_id": 0, "timezone": "UTC"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_staff_add_a_milestone_with_its_owner(signed_in, staff, make, post_form):
    project = make.project("Acme Corp")
    browser = signed_in("priya@firm.example")
    path = f"/projects/{project.id}"
    response = post_form(browser, f"/staff/projects/{project.id}/milestones",
                         {"title": "Design sign-off", "owner_id": staff.id,
                          "planned_on": (date.today() + timedelta(days=9)).isoformat()}, path)
    assert response.status_code == 302
    page = browser.get(path).get_data(as_text=True)
    assert "Design sign-off" in page and "priya@firm.example" in page


def test_publishing_an_update_changes_status_and_the_client_reads_it(
    app, signed_in, staff, make, post_form
):
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal")
    staff_browser = signed_in("priya@firm.example")
    response = post_form(staff_browser, f"/staff/projects/{project.id}/updates/new", {
        "status": "at_risk", "body": "Waiting on **your API keys**.",
        "eta": project.eta.isoformat(), "eta_confidence": "medium", "reason": "",
    })
    assert response.status_code == 302
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<strong>your API keys</strong>" in page
    assert "At risk" in page
    with app.app_context():
        assert db.session.get(Project, project.id).status == ProjectStatus.AT_RISK


def test_a_later_eta_without_a_reason_is_refused_and_the_text_kept(
    app, signed_in, staff, make, post_form
):
    project = make.project("Acme Corp", eta_in_days=30)
    later = (project.eta + timedelta(days=14)).isoformat()
    form = {"status": "on_track", "body": "A unique body I typed", "eta": later,
            "eta_confidence": "medium", "reason": ""}
    browser = signed_in("priya@firm.example")
    response = post_form(browser, f"/staff/projects/{project.id}/updates/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "say why" in page and "A unique body I typed" in page
    assert count_rows(app, StatusUpdate) == 0 and count_rows(app, EtaChange) == 0

    form["reason"] = "The vendor shipped late."
    response = post_form(browser, f"/staff/projects/{project.id}/updates/new", form)
    assert response.status_code == 302
    with app.app_context():
        change = db.session.scalars(select(EtaChange)).one()
        assert (change.old_eta, change.new_eta) == (project.eta, project.eta + timedelta(days=14))
        assert change.reason == "The vendor shipped late."
        assert db.session.get(Project, project.id).eta == change.new_eta


def test_an_empty_update_or_a_past_eta_is_refused(app, signed_in, staff, make, post_form):
    project = make.project("Acme Corp")
    browser = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/updates/new"
    empty = post_form(browser, path, {"status": "on_track", "body": "   ",
                                      "eta_confidence": "medium"})
    assert empty.status_code == 422
    past = post_form(browser, path, {
        "status": "on_track", "body": "Keep me", "eta_confidence": "medium",
        "eta": (date.today() - timedelta(days=2)).isoformat(),
    })
    assert past.status_code == 422
    assert "cannot be in the past" in past.get_data(as_text=True)
    assert count_rows(app, StatusUpdate) == 0


def test_markdown_in_updates_is_sanitised(signed_in, staff, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    make.update(project, author=staff, body=(
        "Hello <script>alert('x')</script> [click](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> [docs](https://example.com/docs)"
    ))
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "href=\"javascript:" not in page and "<a href=\"javascript" not in page
    assert "onerror" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert 'href="https://example.com/docs"' in page


def test_a_project_page_shows_milestone_contacts_and_updates_newest_first(
    signed_in, staff, make
):
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    make.milestone(project, title="Build", owner=staff)
    make.update(project, author=staff, body="First news")
    make.update(project, author=staff, body="Second news")
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Build" in page and "Priya Nair" in page and "mailto:priya@firm.example" in page
    assert page.index("Second news") < page.index("First news")


def test_a_bad_project_id_is_a_404(signed_in, staff):
    browser = signed_in("priya@firm.example")
    assert browser.get("/projects/999999").status_code == 404
    assert browser.get("/projects/not-a-number").status_code == 404


def test_huge_and_negative_ids_are_404s_not_crashes(signed_in, staff):
    browser = signed_in("priya@firm.example")
    for path in ("/projects/99999999999999999999", "/projects/-1",
                 "/staff/accounts/99999999999999999999"):
        assert browser.get(path).status_code == 404, path


def test_a_second_project_with_the_same_name_is_a_form_error(app, signed_in, staff, make,
                                                               post_form):
    project = make.project("Acme Corp", name="Portal")
    response = post_form(signed_in("priya@firm.example"), "/staff/projects/new", {
        "organization_id": project.organization_id, "name": "portal", "contact_id": 0,
        "update_cadence_days": 7, "eta_confidence": "medium",
    })
    assert response.status_code == 422
    assert "already has a project called portal" in response.get_data(as_text=True)
    assert count_rows(app, Project) == 1


def test_a_closed_project_takes_no_more_updates(app, signed_in, staff, make, post_form):
    project = make.project("Acme Corp")
    with app.app_context():
        from portal.projects import services
        services.close_project(db.session.get(Project, project.id), on=date.today())
        db.session.commit()
    response = post_form(signed_in("priya@firm.example"),
                         f"/staff/projects/{project.id}/updates/new",
                         {"status": "on_track", "body": "Reopening?", "eta_confidence": "medium"})
    assert response.status_code == 422
    assert "This project is closed" in response.get_data(as_text=True)
    assert count_rows(app, StatusUpdate) == 0


def test_a_project_whose_eta_passed_needs_a_new_date(app, signed_in, staff, make, post_form):
    project = make.project("Acme Corp", eta_in_days=5)
    with app.app_context():
        db.session.get(Project, project.id).eta = date.today() - timedelta(days=3)
        db.session.commit()
    response = post_form(signed_in("priya@firm.example"),
                         f"/staff/projects/{project.id}/updates/new",
                         {"status": "at_risk", "body": "Late.", "eta": "",
                          "eta_confidence": "low"})
    assert response.status_code == 422
    assert "give the client a new date" in response.get_data(as_text=True)
