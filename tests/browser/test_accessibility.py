"""axe-core finds no WCAG 2.0/2.1 A or AA violations on the pages people use most."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.devdata.demo_content import seed_demo_content
from portal.extensions import db
from portal.projects import funnel
from portal.projects.models import FunnelStage, Project, ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest
from tests.browser.support import axe_violations, describe


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url} has accessibility violations:\n{describe(violations)}"


def test_login_page(page):
    page.goto("/login")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/login/forgot", "/login/email-link",
                                  "/login/reset/not-a-token"])
def test_email_link_pages(page, path):
    page.goto(path)
    assert_accessible(page)


def test_login_page_with_errors(page):
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page)


def test_client_dashboard(page, sign_in, portal_data):
    sign_in(page, portal_data.client.email)
    page.goto("/")
    assert page.get_by_role("heading", name="Your projects").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("who", ["client", "staff"])
def test_project_page(page, sign_in, portal_data, who):
    sign_in(page, getattr(portal_data, who).email)
    page.goto(f"/projects/{portal_data.project.id}")
    assert page.get_by_role("heading", name="Warehouse scanners rollout").is_visible()
    assert_accessible(page)


def test_staff_home(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto("/")
    assert page.get_by_role("heading", name="Staff home").is_visible()
    assert_accessible(page)


def test_publish_form(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto(f"/staff/projects/{portal_data.project.id}/updates/new")
    assert page.get_by_role("heading", name="Publish an update").is_visible()
    assert_accessible(page)


def test_publish_form_with_errors(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto(f"/staff/projects/{portal_data.project.id}/updates/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)


def test_not_found_page(page, sign_in, portal_data):
    sign_in(page, portal_data.client.email)
    page.goto("/projects/999999")
    assert_accessible(page)


def test_project_page_with_the_milestone_form_open(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto(f"/projects/{portal_data.project.id}")
    page.get_by_text("Add a milestone").click()
    page.get_by_role("button", name="Add milestone").click()
    page.wait_for_load_state()
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", [
    "/staff/accounts/new", "/staff/projects/new", "/admin/users", "/admin/users/new",
    "/admin/content", "/account", "/admin/audit", "/staff/pulses", "/admin/pulses/templates",
    "/staff/health", "/admin/health/settings", "/admin/security", "invite",
])
def test_admin_and_staff_forms(page, sign_in, make, portal_data, path):
    make.user("morgan@firm.example", role=Role.ADMIN, name="Morgan Reyes")
    sign_in(page, "morgan@firm.example")
    if path == "invite":
        path = f"/staff/accounts/{portal_data.project.organization_id}/invite"
    page.goto(path)
    assert_accessible(page)


def test_account_page(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto(f"/staff/accounts/{portal_data.project.organization_id}")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "project"])
def test_client_pages_on_a_phone(new_page, sign_in, portal_data, path):
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    sign_in(page, portal_data.client.email)
    page.goto(f"/projects/{portal_data.project.id}" if path == "project" else path)
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/values", "/process"])
def test_the_firms_public_pages(page, app, path):
    with app.app_context():
        seed_demo_content()
        db.session.commit()
    page.goto(path)
    assert page.locator("main h2").count() >= 4  # the seeded values or steps are shown
    assert_accessible(page)


def test_client_settings_page(page, sign_in, portal_data):
    sign_in(page, portal_data.client.email)
    page.goto("/account")
    assert_accessible(page)


def test_project_page_with_a_selection_funnel(page, sign_in, portal_data, app):
    with app.app_context():
        project = db.session.get(Project, portal_data.project.id)
        funnel.record_funnel(project, on=date.today(), counts={
            FunnelStage.SOURCED: 40, FunnelStage.SCREENED: 12, FunnelStage.PRESENTED: 3,
        })
        db.session.commit()
    sign_in(page, portal_data.client.email)
    page.goto(f"/projects/{portal_data.project.id}")
    assert page.get_by_role("heading", name="Selection funnel").is_visible()
    assert_accessible(page)


def test_the_pulse_answer_page(page, app, portal_data, make):
    request = make.pulse(portal_data.client)
    with app.test_request_context():
        token = pulses.answer_token(db.session.get(PulseRequest, request.id))
    page.goto(f"/pulses/{token}?score=8")
    assert page.get_by_role("button", name="Send").is_visible()
    assert_accessible(page)


def test_the_closeout_page(page, sign_in, portal_data, make):
    done = make.project("Acme Corp", name="Finished work", status=ProjectStatus.DONE)
    make.closeout(done, contact=portal_data.staff, summary="Everything delivered.")
    sign_in(page, portal_data.client.email)
    page.goto(f"/projects/{done.id}/closeout")
    assert page.get_by_text("Everything delivered.").is_visible()
    assert_accessible(page)


def test_an_account_health_page(page, sign_in, portal_data):
    sign_in(page, portal_data.staff.email)
    page.goto(f"/staff/health/{portal_data.project.organization_id}")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/staff/pulses"])
def test_a_follow_up_no_longer_low_and_the_changed_answers(page, app, sign_in, portal_data,
                                                           make, path):
    request = make.pulse(portal_data.client)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        for happy in (False, True):  # a low answer, changed to a happy one
            pulses.record_answers(pulse, comments={}, scores={
                q.id: q.scale.bounds[happy] for q in pulse.template.questions})
        db.session.commit()
    sign_in(page, portal_data.staff.email)
    page.goto(path)
    close = page.get_by_role("button", name="Close")
    assert close.first.is_visible() and page.get_by_text("no longer low", exact=True).is_visible()
    assert_accessible(page)
