"""While a client has a page open, what staff publish appears without reloading."""

import re

from playwright.sync_api import expect

from tests.support.factories import PASSWORD


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
    update = live.locator("article.update").first
    expect(update.get_by_text("we are sourcing elsewhere")).to_be_visible(timeout=30_000)
    summary = live.locator(".project-summary")  # the head, a live region of its own
    expect(summary.locator(".chip-blocked")).to_be_visible(timeout=30_000)
    expect(summary).to_contain_text("Blocked: The supplier cancelled the order; we are sourcing")
    expect(summary).to_contain_text("Next: Site survey")
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


def test_when_the_session_ends_the_open_page_sends_the_user_to_sign_in(page, sign_in,
                                                                        portal_data):
    project = portal_data.project.id
    sign_in(page, "jordan@acme.example")
    page.goto(f"/projects/{project}")
    expect(page.locator(".live-marker").first).to_be_visible()

    other_tab = page.context.new_page()  # the same browser: signing out there ends this one
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab).to_have_url(re.compile(r"/login"))

    # the next poll (every second in tests) is answered by the sign-in page: go there
    expect(page).to_have_url(re.compile(rf"/login\?next=%2Fprojects%2F{project}$"),
                             timeout=30_000)
    expect(page.locator("[data-live-url]")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(1)
    page.get_by_label("Email", exact=True).fill("jordan@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project}$"))  # back where they were
