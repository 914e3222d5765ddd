"""The visible loop end to end in Chromium, with real email: the client sees their follow-up,
staff resolve it, the client opens "Not yet" from the email and confirms it, the owner is told."""

import re
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest
from tests.browser.support import PHONE_390, axe_violations, describe, layout_problems
from tests.support.mail import BASE_URL, deliver


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def _answer_unhappily(app, make, portal_data) -> datetime:
    with app.app_context():
        org = db.session.scalars(select(Organization).where(
            Organization.name == "Acme Corp")).one()
        org.account_owner = db.session.get(User, portal_data.staff.id)
        db.session.commit()
    request = make.pulse(portal_data.client, project=portal_data.project)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        questions = pulse.template.questions
        pulses.record_answers(pulse, scores={q.id: q.scale.bounds[0] for q in questions},
                              comments={questions[0].id: "the shortlist was slow"})
        db.session.commit()
        return pulse.answered_at


def _checked(page) -> None:
    problems = layout_problems(page)
    violations = axe_violations(page)
    assert not problems and not violations, problems + [describe(violations)]


def test_the_client_sees_the_loop_closed_and_says_not_yet_from_the_email(
        app, make, portal_data, new_page, sign_in, live_server, smtp):
    answered = _answer_unhappily(app, make, portal_data)
    told_on = f"{answered:%-d %b %Y}"

    client = new_page()
    sign_in(client, "jordan@acme.example")
    loop = client.locator(".client-loop")
    expect(loop).to_contain_text(f"You told us on {told_on}: the shortlist was slow.")
    expect(loop).to_contain_text("Priya Nair is on it and will get back to you by")
    expect(loop).not_to_contain_text("Low score")
    _checked(client)
    client.goto(f"/projects/{portal_data.project.id}")
    expect(client.locator(".client-loop")).to_contain_text("the shortlist was slow")

    staff = new_page()
    sign_in(staff, "priya@firm.example")
    staff.goto("/staff/pulses")
    card = staff.locator("article", has_text="the shortlist was slow")
    card.get_by_label("What we did").fill("We added a second recruiter to your shortlist.")
    card.get_by_label("Internal note").fill("Daniel was overloaded; Sam helps now.")
    card.get_by_role("button", name="Resolve").click()
    expect(staff.get_by_text("Follow-up resolved.")).to_be_visible()
    deliver(app)

    [email] = [m for to, m in smtp.messages if to == ["jordan@acme.example"]
               and m["Subject"].startswith("What we did about what you told us")]
    text = _plain(email)
    assert "We added a second recruiter" in text and "Daniel was overloaded" not in text
    not_yet = re.search(r"Not yet: (\S+)", text).group(1).replace(BASE_URL, live_server.url)

    reader = new_page(viewport=PHONE_390)  # the client's phone, not signed in
    reader.goto(not_yet)
    expect(reader.get_by_role("heading", name="Did this fix it?")).to_be_visible()
    expect(reader.locator("blockquote")).to_have_text(
        "We added a second recruiter to your shortlist.")
    _checked(reader)
    reader.get_by_role("button", name="Not yet: keep at it").click()
    expect(reader.get_by_role("status")).to_contain_text("Priya Nair is on it again")
    deliver(app)

    [told] = [m for to, m in smtp.messages if to == ["priya@firm.example"]
              and m["Subject"].startswith("Not fixed yet")]
    assert "Jordan Blake at Acme Corp says your follow-up has not fixed it yet" in " ".join(
        _plain(told).split())
    client.goto("/")
    expect(client.locator(".client-loop")).to_contain_text(
        "You told us our first answer had not fixed it. Priya Nair is on it")
    staff.goto("/")
    expect(staff.get_by_text("not fixed yet", exact=True)).to_be_visible()
