"""The account health page with its weekly metric trends, as staff use it in a browser: the
rescore button, no accessibility violations, and nothing scrolling sideways on a phone."""

import pytest

from portal.extensions import db
from portal.health import snapshots
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_responsive import PHONE, scroll_width


@pytest.fixture
def scored(app, portal_data):
    """Three weeks of snapshots of the account, the list's and the page's one source."""
    with app.app_context():
        snapshots.backfill(3)
        db.session.commit()
    return portal_data


def test_staff_rescore_an_account_and_read_each_metrics_trend(page, sign_in, scored):
    sign_in(page, scored.staff.email)
    page.goto(f"/staff/health/{scored.project.organization_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Rescore this week now").click()
    assert page.get_by_text("rescored now for Acme Corp").is_visible()
    assert page.get_by_role("heading", name="Each metric, week by week").is_visible()
    assert page.locator(".health-metric-trends svg.sparkline").count() >= 1
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/staff/health/{org}", "/staff/health", "/"])
def test_the_health_pages_fit_a_phone(new_page, sign_in, scored, path):
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, scored.staff.email)
    phone.goto(path.format(org=scored.project.organization_id))
    assert "% of the weight" in phone.content()
    assert scroll_width(phone) <= PHONE["width"]
