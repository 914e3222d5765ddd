"""A client makes their feed links in a real browser: the page that shows them once passes axe
and fits both widths, and the calendar link it shows opens until the client turns it off."""

from urllib.parse import urlsplit

import pytest

from tests.browser.support import DESKTOP, PHONE_390, axe_violations, describe, layout_problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["desktop", "phone"])
def test_a_client_makes_and_reads_their_links(new_page, sign_in, portal_data, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, "jordan@acme.example")
    page.goto("/account")
    page.get_by_role("link", name="get your feed links").click()
    page.get_by_role("button", name="Make my links").click()
    calendar_url = page.input_value("#calendar-url")  # at the configured public address
    assert calendar_url.endswith("/etas.ics")
    calendar = urlsplit(calendar_url).path  # read here from the test's own server
    assert not layout_problems(page)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    response = page.request.get(calendar)
    assert response.status == 200 and b"Warehouse scanners rollout" in response.body()
    page.get_by_role("button", name="Turn my links off").click()
    assert page.request.get(calendar).status == 404
