"""#17 as the client lives it: the shortlist email's link, three candidates reviewed, one
turned down with a reason; the member of staff's open page shows the decision without a reload."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.projects.models import Project
from portal.selection import admin_settings, profiles, shortlists
from tests.browser.support import PHONE_390


def _present_three(app, project_id: int, staff_id: int) -> list[int]:
    with app.app_context():
        admin_settings.seed_defaults()
        by = db.session.get(User, staff_id)
        project = db.session.get(Project, project_id)
        added = [profiles.add_candidate(
            project, by=by, display_name=name, headline=headline, location="Leeds",
            skills="Python, dbt", why_chosen_md=f"Why **{name}**: strong on your stack.",
            sourced_on=date.today() - timedelta(days=12))
            for name, headline in (("Maria Santos", "Senior data engineer"),
                                   ("Tom Becker", "Streaming specialist"),
                                   ("Ana Ruiz", "Analytics engineer"))]
        shortlists.present_shortlist(project, added, by=by)
        db.session.commit()
        return [c.id for c in added]


def _email_link(app) -> str:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.SHORTLIST_PRESENTED,
            OutboxMessage.to_address == "jordan@acme.example")).one()
        assert message.subject.startswith("3 candidates for Warehouse scanners rollout")
        url = re.search(r"https?://\S+/candidates", message.text_body).group(0)
        return urlsplit(url).path


def test_the_client_reviews_the_shortlist_and_turns_one_down_with_a_reason(
        app, page, new_page, sign_in, portal_data):
    project = portal_data.project.id
    maria, tom, ana = _present_three(app, project, portal_data.staff.id)
    staff = new_page()
    sign_in(staff, "priya@firm.example")
    staff.goto(f"/projects/{project}/candidates")
    staff.evaluate("window.__sameDocument = true")

    sign_in(page, "jordan@acme.example")
    page.goto(_email_link(app))
    cards = page.locator(".candidate-card")
    expect(cards).to_have_count(3)
    for name in ("Maria Santos", "Tom Becker", "Ana Ruiz"):  # each profile opened and read
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
        expect(page.get_by_text(f"Why {name}: strong on your stack.")).to_be_visible()
        page.go_back()
    tom_card = page.locator(f"#candidate-{tom}")
    tom_card.get_by_label("Your decision").select_option("not_a_fit")
    tom_card.get_by_label("Reason (for “not a fit”)").select_option(label="Experience")
    tom_card.get_by_label("Note, or your question").fill("We need more dbt than Kafka.")
    tom_card.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your decision on Tom Becker is recorded")).to_be_visible()
    expect(page.locator(f"#candidate-{tom}")).to_contain_text("Not a fit: Experience")

    staff_card = staff.locator(f"#candidate-{tom}")  # live: no reload on the staff side
    expect(staff_card).to_contain_text("Not a fit: Experience", timeout=30_000)
    expect(staff_card).to_contain_text("We need more dbt than Kafka.")
    expect(staff.locator(f"#candidate-{maria}")).to_contain_text("first viewed by the client")
    assert staff.evaluate("window.__sameDocument") is True


def test_the_cards_sit_side_by_side_on_a_desktop_and_stack_on_a_phone(
        app, new_page, sign_in, portal_data):
    project = portal_data.project.id
    _present_three(app, project, portal_data.staff.id)
    tops = {}
    for width, viewport in (("desktop", None), ("phone", PHONE_390)):
        page = new_page(**({"viewport": viewport} if viewport else {}))
        sign_in(page, "jordan@acme.example")
        page.goto(f"/projects/{project}/candidates")
        boxes = [card.bounding_box() for card in page.locator(".candidate-card").all()]
        tops[width] = [round(box["y"]) for box in boxes]
    assert len(set(tops["desktop"])) == 1  # one row
    assert tops["phone"] == sorted(tops["phone"]) and len(set(tops["phone"])) == 3  # stacked
