"""A client signs in, finds their project and who to call; another client cannot see it."""

import re

from playwright.sync_api import expect

from portal.auth.models import Role


def test_client_finds_their_project_and_who_to_call(page, sign_in, portal_data):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, "jordan@acme.example")

    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    expect(page.get_by_text("Jordan Blake · Acme Corp")).to_be_visible()
    card = page.locator("article.project-card", has_text="Warehouse scanners rollout")
    expect(card.get_by_text("At risk")).to_be_visible()
    expect(card.get_by_text("Next: Site survey")).to_be_visible()
    expect(card.locator(".who-to-call").get_by_text("Daniel Okafor")).to_be_visible()  # the
    # owner of that step

    card.get_by_role("link", name="Warehouse scanners rollout").click()
    expect(page).to_have_url(re.compile(rf"/projects/{portal_data.project.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Warehouse scanners rollout")
    survey = page.locator("li.milestone", has_text="Site survey")
    expect(survey.get_by_text("Daniel Okafor")).to_be_visible()
    expect(survey.get_by_role("link", name="daniel@firm.example")).to_have_attribute(
        "href", "mailto:daniel@firm.example"
    )
    pilot = page.locator("li.milestone", has_text="Pilot in Leeds")
    expect(pilot.get_by_role("link", name="priya@firm.example")).to_be_visible()
    summary = page.locator(".project-summary")  # why it is at risk, and why the ETA moved
    expect(summary).to_contain_text("At risk: Scanners ordered; the supplier is a week late.")
    expect(summary).to_contain_text("The scanner supplier delivers a week later")
    expect(page.locator("article.update").first).to_contain_text("the supplier is a week late")


def test_a_client_of_another_organisation_gets_not_found(new_page, sign_in, portal_data, make):
    make.user("elena@globex.example", role=Role.CLIENT, organization="Globex", name="Elena Marsh")
    page = new_page()
    sign_in(page, "elena@globex.example")

    response = page.goto(f"/projects/{portal_data.project.id}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    body = page.locator("body")
    expect(body).not_to_contain_text("Warehouse scanners rollout")
    expect(body).not_to_contain_text("Daniel Okafor")
    expect(page.get_by_role("heading", name="Your projects")).to_have_count(0)

    page.get_by_role("link", name="Back to your projects").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Warehouse scanners rollout")
