"""While a client has a page open, what staff publish appears without reloading."""

import re

from playwright.sync_api import expect


def test_a_published_update_appears_on_the_open_project_page(
    page, new_page, sign_in, portal_data
):
    sign_in(page, "jordan@acme.example")
    page.goto(f"/projects/{portal_data.project.id}")
    expect(page.locator(".live-marker").first).to_be_visible()
    page.evaluate("window.__sameDocument = true")

    staff = new_page()
    sign_in(staff, "priya@firm.example")
    staff.goto(f"/staff/projects/{portal_data.project.id}/updates/new")
    staff.get_by_label("Status").select_option("blocked")
    staff.get_by_label("What happened, what is next (Markdown)").fill(
        "The supplier **cancelled** the order; we are sourcing elsewhere."
    )
    staff.get_by_role("button", name="Publish").click()
    expect(staff).to_have_url(re.compile(rf"/projects/{portal_data.project.id}$"))

    live = page.locator("[data-live-url]")
    expect(live.get_by_text("we are sourcing elsewhere")).to_be_visible(timeout=30_000)
    expect(live.locator(".summary-grid .chip-blocked")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened


def test_the_dashboard_follows_a_status_change(page, sign_in, portal_data, make):
    sign_in(page, "jordan@acme.example")
    card = page.locator("article.project-card", has_text="Warehouse scanners rollout")
    expect(card.get_by_text("At risk")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    make.update(portal_data.project, author=portal_data.staff, body="Back on track.",
                status=portal_data.project.status.ON_TRACK)
    expect(card.get_by_text("On track")).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True


def test_an_unchanged_page_is_answered_304(page, sign_in, portal_data):
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/live") else None)
    sign_in(page, "jordan@acme.example")
    page.goto(f"/projects/{portal_data.project.id}")
    page.wait_for_timeout(2500)  # LIVE_POLL_SECONDS is 1 in tests
    assert statuses and set(statuses) == {304}
