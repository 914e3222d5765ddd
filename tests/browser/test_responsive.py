"""On a 375 px phone the client's pages fit the screen: nothing scrolls sideways."""

from datetime import timedelta

import pytest

from portal.auth.models import Role

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(new_page):
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("who", ["client", "staff"])
def test_dashboard_fits_a_phone(phone, sign_in, portal_data, who):
    sign_in(phone, getattr(portal_data, who).email)
    phone.goto("/")
    assert scroll_width(phone) <= PHONE["width"]


@pytest.mark.parametrize("who", ["client", "staff"])
def test_project_page_fits_a_phone(phone, sign_in, portal_data, who):
    sign_in(phone, getattr(portal_data, who).email)
    phone.goto(f"/projects/{portal_data.project.id}")
    assert phone.get_by_text("Who to call for this step").first.is_visible()
    assert scroll_width(phone) <= PHONE["width"]


def test_login_fits_a_phone(phone):
    phone.goto("/login")
    assert scroll_width(phone) <= PHONE["width"]


def test_the_admins_list_of_users_fits_a_phone(phone, sign_in, portal_data, make):
    """The table scrolls inside its own box; the page itself never scrolls sideways."""
    make.user("morgan@firm.example", role=Role.ADMIN, name="Morgan Reyes")
    sign_in(phone, "morgan@firm.example")
    phone.goto("/admin/users")
    assert phone.get_by_role("cell", name="jordan@acme.example").count() == 1
    assert scroll_width(phone) <= PHONE["width"]


def test_a_closeouts_timeline_shows_each_verdict_on_a_phone_without_scrolling_sideways(
        phone, sign_in, portal_data, make, app):
    from portal.extensions import db
    from portal.projects import services as project_services
    from portal.projects.models import Milestone, ProjectStatus

    done = make.project("Acme Corp", name="Data warehouse migration", status=ProjectStatus.DONE)
    step = make.milestone(done, title="Pipelines rebuilt and tested", owner=portal_data.staff,
                          planned_in_days=-10)
    with app.app_context():
        project_services.complete_milestone(db.session.get(Milestone, step.id),
                                            on=step.planned_on + timedelta(days=1))
        db.session.commit()
    make.closeout(done, contact=portal_data.staff)
    sign_in(phone, portal_data.client.email)
    phone.goto(f"/projects/{done.id}/closeout")
    verdicts = phone.locator("table.timeline td.verdict")
    assert verdicts.count() == 2
    for verdict in verdicts.all():
        edge = verdict.evaluate("el => el.getBoundingClientRect().right")
        assert verdict.is_visible() and edge <= PHONE["width"], verdict.text_content()
    assert phone.get_by_text("1 day late").first.is_visible()
    assert scroll_width(phone) <= PHONE["width"]
