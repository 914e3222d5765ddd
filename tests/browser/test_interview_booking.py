"""#17 as the client lives it: the times staff proposed, each in the client's timezone, one
booked from the page at both widths; the project page then lists the interview as booked."""

import re
from datetime import UTC

from sqlalchemy import select

from portal.extensions import db
from portal.selection.placement_models import Interview, InterviewState
from tests.selection.placement_setup import presented, url
from tests.selection.test_interviews import _next_monday_at, _propose, people  # noqa: F401


def test_in_a_browser_the_client_picks_an_interview_time(
        app, people, new_page, sign_in, post_form, signed_in, tmp_path):  # noqa: F811
    candidate = presented(app, people["project"])
    _propose(post_form, signed_in("priya@firm.example"), candidate, 9, 11, 15)
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page = new_page(viewport=viewport)
        sign_in(page, "maya@acme.example")
        page.goto(url(candidate, "interview"))
        page.screenshot(path=str(tmp_path / f"interview-{viewport['width']}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_label(re.compile(r"11:00 E")).check()
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Booked. The invitation is on its way").wait_for()
    assert "11:00" in page.locator("main").inner_text()
    with app.app_context():
        interview = db.session.scalars(select(Interview)).one()
        assert interview.state == InterviewState.BOOKED
        assert interview.starts_at == _next_monday_at(11).astimezone(UTC)
    page.goto(f"/projects/{people['project'].id}")
    assert "Booked" in page.locator("#interviews").inner_text()
