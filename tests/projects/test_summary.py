"""Every page and email opens with the same summary of a project, and names the same person."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.auth.models import Role, UpdateEmails, User
from portal.extensions import db
from portal.notifications.services import digest_week, queue_weekly_digests
from portal.projects import services as project_services
from portal.projects.models import Milestone, Project, ProjectStatus, StatusUpdate
from portal.projects.summary import (
    REASON_LIMIT,
    first_sentence,
    project_summary,
    slippage_in_words,
    standing_after,
)
from tests.support.mail import outbox


@pytest.fixture
def priya(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def sofia(make):
    return make.user("sofia@firm.example", role=Role.STAFF, name="Sofia Ruiz")


@pytest.fixture
def jordan(make, app):
    user = make.user("jordan@acme.example", organization="Acme Corp")
    with app.app_context():
        db.session.get(User, user.id).update_emails = UpdateEmails.IMMEDIATE
        db.session.commit()
    return user


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _who_to_call(html: str) -> str:
    """The name in the page's "Who to call" box."""
    box = html[html.index('class="who-to-call"'):]
    return re.search(r"<strong>([^<]+)</strong>", box).group(1)


def _email_to(app, address: str) -> str:
    return [m for m in outbox(app) if m.to_address == address][-1].text_body


def test_the_card_the_page_and_the_email_name_the_current_steps_owner_else_the_manager(
    app, make, signed_in, priya, sofia, jordan
):
    project = make.project("Acme Corp", name="Portal", contact=_staff(app, sofia))
    step = make.milestone(project, title="Design review", owner=priya)
    make.update(project, author=sofia, body="Design under way.")
    browser = signed_in("jordan@acme.example")
    dashboard, page = browser.get("/").get_data(as_text=True), browser.get(
        f"/projects/{project.id}").get_data(as_text=True)
    email = _email_to(app, "jordan@acme.example")
    assert _who_to_call(dashboard) == _who_to_call(page) == "Priya Nair"
    assert "Next: Design review" in _text(page) and ", with Priya Nair." in email
    assert "Owner of the current step" in _text(dashboard) and "Owner of the current step" in \
        _text(page)

    with app.app_context():  # the step is done and nothing is next: the account manager
        project_services.complete_milestone(db.session.get(Milestone, step.id), on=date.today())
        db.session.commit()
    make.update(project, author=sofia, body="Review passed.")
    dashboard, page = browser.get("/").get_data(as_text=True), browser.get(
        f"/projects/{project.id}").get_data(as_text=True)
    assert _who_to_call(dashboard) == _who_to_call(page) == "Sofia Ruiz"
    assert "Next: the next update, from Sofia Ruiz." in _email_to(app, "jordan@acme.example")
    assert "Your account manager" in _text(page) and "Your account manager" in _text(dashboard)


def test_after_the_closeout_the_page_names_the_client_care_contact_as_the_closeout_does(
    app, make, signed_in, priya, sofia, jordan
):
    project = make.project("Acme Corp", name="Portal", contact=_staff(app, sofia),
                           status=ProjectStatus.DONE)
    make.closeout(project, contact=priya, summary="Delivered.")
    browser = signed_in("jordan@acme.example")
    page, closeout = (browser.get(url).get_data(as_text=True) for url in (
        f"/projects/{project.id}", f"/projects/{project.id}/closeout"))
    assert _who_to_call(page) == "Priya Nair" and "Priya Nair" in _text(closeout)
    assert "client-care contact" in _text(page)


def _staff(app, user):
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.get(User, user.id)
        db.session.commit()
        return found


def test_a_blocked_project_says_what_it_is_waiting_on_first(app, make, signed_in, priya, jordan):
    project = make.project("Acme Corp", name="Network refresh")
    make.update(project, author=priya, status=ProjectStatus.BLOCKED,
                body="Waiting on **your firewall change** for the new switches. "
                     "We asked on Monday.")
    browser = signed_in("jordan@acme.example")
    page = browser.get(f"/projects/{project.id}").get_data(as_text=True)
    main = page[page.index("<main"):]
    after_heading = main[main.index("</h1>"):]
    summary = re.search(r'<p class="summary-sentence">(.*?)</p>', after_heading, re.S).group(1)
    assert "Blocked" in summary and "Waiting on your firewall change for the new switches." \
        in _text(summary)
    assert after_heading.index("project-summary") < after_heading.index("<h2")  # it comes first
    assert "We asked on Monday" not in _text(summary)  # the first sentence only
    card = browser.get("/").get_data(as_text=True)
    assert "Waiting on your firewall change for the new switches." in _text(card)
    email = _email_to(app, "jordan@acme.example")
    assert email.index("Blocked: Waiting on your firewall change") < email.index("There is news")


def test_the_eta_line_gives_the_latest_move_its_date_and_its_reason(
    app, make, signed_in, priya, jordan
):
    project = make.project("Acme Corp", name="Data platform", eta_in_days=20)
    with app.app_context():
        old = db.session.get(Project, project.id).eta
    new = old + timedelta(days=7)
    make.update(project, author=priya, eta=new,
                reason="The client's security review took a week longer.")
    page = _text(signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(
        as_text=True))
    with app.app_context():
        moved_on = db.session.scalars(select(StatusUpdate.published_at)).one().date()
    expected = (f"moved from {_short(old)} on {_short(moved_on)}: "
                "The client's security review took a week longer.")
    assert f"ETA {_short(new)} (medium confidence), {expected}" in page
    assert expected in _email_to(app, "jordan@acme.example")


def _short(day: date) -> str:
    return day.strftime("%-d %b" if day.year == date.today().year else "%-d %b %Y")


def test_an_update_promised_by_29_nov_is_late_on_1_dec_in_the_clients_timezone(app, make):
    project = make.project("Acme Corp", name="Cadence")
    with app.app_context():
        project = db.session.get(Project, project.id)
        project.update_cadence_days = 7
        last = datetime(2026, 11, 22, 10, tzinfo=UTC)  # due 29 Nov
        on_time = project_summary(project, latest=None, last_update_at=last,
                                  today=date(2026, 11, 29))
        late = project_summary(project, latest=None, last_update_at=last, today=date(2026, 12, 1))
        db.session.rollback()
    assert on_time.next_update_due == late.next_update_due == date(2026, 11, 29)
    assert not on_time.update_late and late.update_late


def test_the_late_flag_shows_on_the_page_and_the_card_by_the_clients_today(
    app, make, signed_in, priya, jordan
):
    project = make.project("Acme Corp", name="Quiet project")
    make.update(project, author=priya, body="Started.",
                published_at=datetime.now(UTC) - timedelta(days=9))  # due 2 days ago
    browser = signed_in("jordan@acme.example")
    for path in ("/", f"/projects/{project.id}"):
        assert "late: not yet sent" in browser.get(path).get_data(as_text=True), path
    make.update(project, author=priya, body="Back on rhythm.")
    for path in ("/", f"/projects/{project.id}"):
        assert "late: not yet sent" not in browser.get(path).get_data(as_text=True), path


def test_the_slippage_chart_says_what_it_measures_beside_the_status(
    app, make, signed_in, priya, jordan
):
    project = make.project("Acme Corp", name="Launch")
    step = make.milestone(project, title="Build", owner=priya, planned_in_days=5)
    with app.app_context():
        milestone = db.session.get(Milestone, step.id)
        project_services.move_milestone_eta(
            milestone, eta=milestone.eta + timedelta(days=9), reason="Supplier late",
            by=db.session.get(User, priya.id))
        db.session.commit()
    page = _text(signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(
        as_text=True))
    assert ("On track The chart measures slippage: each milestone's delivery date (or current "
            "ETA) against the date first planned. 1 of 1 milestone is later than first "
            "planned, by up to 9 days.") in page


def test_old_updates_and_threads_fold_and_no_label_says_markdown(
    app, make, signed_in, priya, jordan
):
    project = make.project("Acme Corp", name="Long history")
    for n in range(5):
        make.update(project, author=priya, body=f"Update {n}.")
        make.question(project, author=jordan, body=f"Question {n}?")
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    folded = page[page.index("Earlier updates (2)"):]
    assert "Update 1." in folded and "Update 4." not in folded
    threads = page[page.index('id="questions"'):]
    assert "Earlier questions (2)" in threads
    assert threads.count('<details class="reply-box">') == 5  # reply boxes wait to be opened
    assert "Markdown" not in _text(page)
    assert page.index('id="ask"') < page.index("<h2>Milestones</h2>")


def test_the_weekly_digest_opens_with_each_projects_summary(app, make, priya, jordan):
    with app.app_context():
        db.session.get(User, jordan.id).update_emails = UpdateEmails.WEEKLY_DIGEST
        db.session.commit()
    project = make.project("Acme Corp", name="Network refresh")
    now = datetime.now(UTC)
    start, _ = digest_week(now)
    make.update(project, author=priya, status=ProjectStatus.BLOCKED, body="Waiting on the vendor.",
                published_at=start + timedelta(days=1))
    with app.app_context():
        queue_weekly_digests(now, standing_after)
        db.session.commit()
    text = _email_to(app, "jordan@acme.example")
    assert text.index("Network refresh: Blocked: Waiting on the vendor.") < text.index(
        "Here is what happened")


@pytest.mark.parametrize("body", [
    "word " * 4000,  # 20,000 characters and no full stop
    "# Waiting on access\n\n- VPN\n- **badge**",
    "<script>alert(1)</script> Waiting on [the VPN](https://example.test).",
])
def test_the_reason_is_one_bounded_line_of_plain_text(body):
    reason = first_sentence(body)
    assert len(reason) <= REASON_LIMIT + 1 and "\n" not in reason
    assert "**" not in reason and "](" not in reason  # Markdown read as plain text
    assert "<strong>" not in reason and "<a " not in reason  # and never as HTML (a page
    # escapes what staff typed, <script> included)


def test_the_slippage_words_agree_with_their_counts():
    def words(*days_late: int) -> str:
        planned = date(2026, 3, 2)
        project = Project(name="Launch", status=ProjectStatus.ON_TRACK, milestones=[
            Milestone(title=f"Step {n}", planned_on=planned,
                      completed_on=planned + timedelta(days=days))
            for n, days in enumerate(days_late)])
        return slippage_in_words(project)

    assert "1 of 4 milestones is later than first planned, by up to 1 day." in words(1, 0, -1, 0)
    assert "2 of 3 milestones are later than first planned, by up to 5 days." in words(1, 5, 0)
    assert "None of its 1 milestone is later than first planned." in words(0)
