"""An admin edits a webhook endpoint in a real browser, at both widths: the form comes filled
in with what the endpoint has, passes axe, fits the screen, and what is saved shows on its
page."""

import pytest

from portal.auth.models import Role
from tests.browser.support import DESKTOP, PHONE_390, axe_violations, describe, layout_problems
from tests.webhooks.support import ADMIN, endpoint_now, register


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["desktop", "phone"])
def test_an_admin_edits_an_endpoint(app, make, new_page, sign_in, viewport, tmp_path):
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    endpoint = register(app, make, "https://93.184.215.14/portal-events",
                        events=["update.published"])
    page = new_page(viewport=viewport)
    sign_in(page, ADMIN)
    page.goto(f"/admin/webhooks/{endpoint.id}")
    page.get_by_role("link", name="Edit", exact=True).click()
    assert page.get_by_label("URL").input_value() == "https://93.184.215.14/portal-events"
    assert page.get_by_label("update.published", exact=False).is_checked()
    page.screenshot(path=str(tmp_path / f"webhook-edit-{viewport['width']}.png"), full_page=True)
    assert not layout_problems(page)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_label("URL").fill("https://93.184.215.14/new-crm")
    page.get_by_label("eta.changed", exact=False).check()
    page.get_by_label("A readable message", exact=False).check()
    page.get_by_role("button", name="Save endpoint").click()
    page.get_by_text("Endpoint saved.").wait_for()
    page.screenshot(path=str(tmp_path / f"webhook-saved-{viewport['width']}.png"),
                    full_page=True)
    assert "update.published, eta.changed" in page.locator("main").inner_text()
    now = endpoint_now(app, endpoint.id)
    assert now.url == "https://93.184.215.14/new-crm" and now.kind.value == "chat"
