"""axe-core finds no WCAG 2.0/2.1 A or AA violations on the pages people use most."""

import pytest

from tests.browser.support import axe_violations, describe


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url} has accessibility violations:\n{describe(violations)}"


def test_login_page(page):
    page.goto("/login")
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
