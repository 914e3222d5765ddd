"""A client follows their projects from their own calendar and feed reader: from /account they
copy two private links (an Atom feed of published updates, an iCalendar feed of project and
milestone ETAs) that show what they may see and nothing else, move an event when its ETA
moves, and stop working when reset, turned off or when the account is deactivated."""

import re
from datetime import timedelta

import feedparser
import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from portal.auth.models import Role, User
from portal.extensions import db
from portal.feeds.models import FeedLink
from portal.projects import editing
from portal.projects import services as project_services
from portal.projects.models import Confidence, Milestone, Project, ProjectStatus
from portal.web.redaction import redact
from tests.support.factories import PASSWORD
from tests.support.mail import deliver, run_jobs

JORDAN = "jordan@acme.example"


@pytest.fixture
def firm(app, make):
    """Acme with a project (a milestone, an update with an internal note) and an archived
    one; Globex with its own project and update."""
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user(JORDAN, organization="Acme Corp", name="Jordan Blake")
    make.user("sam@globex.example", organization="Globex", name="Sam Lee")
    rebuild = make.project("Acme Corp", name="Customer portal rebuild", eta_in_days=30)
    design = make.milestone(rebuild, title="Design sign-off", planned_in_days=10)
    make.update(rebuild, author=staff, body="Design **approved**; build starts Monday.",
                internal_note="Client is slow to answer: chase the CFO")
    shelved = make.project("Acme Corp", name="Shelved intranet", eta_in_days=40)
    make.update(shelved, author=staff, body="Paused at the client's request.")
    globex = make.project("Globex", name="Globex payroll migration", eta_in_days=20)
    make.milestone(globex, title="Globex cut-over", planned_in_days=5)
    make.update(globex, author=staff, body="Globex payroll data loaded.")
    with app.app_context():
        editing.archive_project(db.session.get(Project, shelved.id),
                                by=db.session.get(User, staff.id))
        db.session.commit()
    return {"staff": staff, "rebuild": rebuild.id, "design": design.id, "globex": globex.id,
            "shelved": shelved.id}


def make_links(browser, post_form) -> tuple[str, str]:
    """Press "Make my links" (or "Reset") on /account/feeds; the two paths it shows once."""
    response = post_form(browser, "/account/feeds", {})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    atom = re.search(r'id="atom-url" type="text" readonly value="https?://[^/]+(/[^"]+)"', page)
    ics = re.search(r'id="calendar-url" type="text" readonly value="https?://[^/]+(/[^"]+)"', page)
    return atom.group(1), ics.group(1)


def read_atom(app, path: str):
    response = app.test_client().get(path)  # a feed reader: no session
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    return feed


def read_calendar(app, path: str) -> dict[str, object]:
    """The events of the calendar feed by UID."""
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_client_copies_links_from_their_account_and_sees_only_their_own_projects(
        app, firm, signed_in, post_form, today):
    jordan = signed_in(JORDAN)
    assert "/account/feeds" in jordan.get("/account").get_data(as_text=True)
    assert "You have no feed links yet" in jordan.get("/account/feeds").get_data(as_text=True)
    atom, ics = make_links(jordan, post_form)

    feed = read_atom(app, atom)
    assert [entry.title for entry in feed.entries] == ["Customer portal rebuild: On track"]
    entry = feed.entries[0]
    assert "<strong>approved</strong>" in entry.content[0].value
    assert entry.link.endswith(f"/projects/{firm['rebuild']}")
    assert "Acme Corp" in feed.feed.title
    whole = app.test_client().get(atom).get_data(as_text=True)
    for never in ("Globex", "chase the CFO", "Shelved intranet", "Paused"):
        assert never not in whole, never  # another organisation, an internal note, archived

    events = read_calendar(app, ics)
    assert sorted(str(e["SUMMARY"]) for e in events.values()) == [
        "Customer portal rebuild: Design sign-off (expected)",
        "ETA: Customer portal rebuild"]
    project = events[next(uid for uid in events if uid.startswith(f"project-{firm['rebuild']}-"))]
    assert project["DTSTART"].dt == today + timedelta(days=30)
    assert project["DTEND"].dt == today + timedelta(days=31)
    assert int(project["SEQUENCE"]) == 0 and "DTSTAMP" in project and "LAST-MODIFIED" in project
    calendar = app.test_client().get(ics).get_data(as_text=True)
    assert "Globex" not in calendar and "Shelved" not in calendar


def test_globex_links_show_globex_and_never_acme(app, firm, signed_in, post_form):
    atom, ics = make_links(signed_in("sam@globex.example"), post_form)
    assert [e.title for e in read_atom(app, atom).entries] == ["Globex payroll migration: On track"]
    events = read_calendar(app, ics)
    assert len(events) == 2 and all("Globex" in str(e["SUMMARY"]) for e in events.values())
    assert "Acme" not in app.test_client().get(ics).get_data(as_text=True)


def test_an_eta_move_moves_the_event_it_does_not_add_one(app, firm, signed_in, post_form, today):
    atom, ics = make_links(signed_in(JORDAN), post_form)
    before = read_calendar(app, ics)
    with app.app_context():
        project = db.session.get(Project, firm["rebuild"])
        project_services.publish_update(
            project, author=db.session.get(User, firm["staff"].id), body="Slipping a week.",
            status=ProjectStatus.AT_RISK, eta=today + timedelta(days=37),
            eta_confidence=Confidence.MEDIUM, reason="The payment provider is late.",
            milestones=[project_services.MilestoneChange(
                firm["design"], eta=today + timedelta(days=13), reason="Waiting on the brand.")])
        db.session.commit()
    after = read_calendar(app, ics)
    assert after.keys() == before.keys()  # the same events (UIDs), moved
    for uid, days in ((f"project-{firm['rebuild']}-", 37), (f"milestone-{firm['design']}-", 13)):
        [key] = [k for k in after if k.startswith(uid)]
        moved, was = after[key], before[key]
        assert moved["DTSTART"].dt == today + timedelta(days=days)
        assert int(moved["SEQUENCE"]) == int(was["SEQUENCE"]) + 1
        # Whole seconds: the move may fall in the same second as the first read.
        assert moved["LAST-MODIFIED"].dt >= was["LAST-MODIFIED"].dt
        assert moved["DTSTAMP"].dt >= was["DTSTAMP"].dt
    project_event = after[next(k for k in after if k.startswith("project-"))]
    assert "The payment provider is late." in str(project_event["DESCRIPTION"])
    assert [e.title for e in read_atom(app, atom).entries][0] == (
        "Customer portal rebuild: At risk")


def test_reset_and_turned_off_links_are_404_and_only_a_hash_is_kept(
        app, firm, signed_in, post_form):
    jordan = signed_in(JORDAN)
    old_atom, old_ics = make_links(jordan, post_form)
    token = old_atom.split("/")[2]
    assert len(token) >= 40
    with app.app_context():
        stored = db.session.execute(text("SELECT token_hash FROM feed_link")).scalars().all()
        assert len(stored) == 1 and token not in stored[0]
    assert "Reset my links" in jordan.get("/account/feeds").get_data(as_text=True)

    new_atom, new_ics = make_links(jordan, post_form)  # "Reset my links"

    assert new_atom != old_atom
    for path in (old_atom, old_ics):
        assert app.test_client().get(path).status_code == 404
    read_atom(app, new_atom)
    assert post_form(jordan, "/account/feeds/off", {}, "/account/feeds").status_code == 302
    for path in (new_atom, new_ics):
        assert app.test_client().get(path).status_code == 404
    assert "You have no feed links yet" in jordan.get("/account/feeds").get_data(as_text=True)


def test_a_deactivated_clients_links_are_404(app, firm, signed_in, post_form):
    atom, ics = make_links(signed_in(JORDAN), post_form)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == JORDAN))
        from portal.accounts import services as account_services
        account_services.set_active(user, False, by=db.session.get(User, firm["staff"].id))
        db.session.commit()
    assert app.test_client().get(atom).status_code == 404
    assert app.test_client().get(ics).status_code == 404


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 5000, "%00", "..%2F..%2Fetc"])
def test_made_up_tokens_are_404(app, firm, token):
    for kind in ("updates.atom", "etas.ics"):
        assert app.test_client().get(f"/feeds/{token}/{kind}").status_code == 404


def test_staff_have_no_feed_links_and_signed_out_people_sign_in_first(
        app, firm, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    assert staff.get("/account/feeds").status_code == 404
    assert "/account/feeds" not in staff.get("/account").get_data(as_text=True)
    assert app.test_client().get("/account/feeds").status_code == 302
    jordan = signed_in(JORDAN)
    assert jordan.post("/account/feeds").status_code == 400  # no CSRF token: nothing made
    with app.app_context():
        assert db.session.scalar(select(FeedLink)) is None


def test_feed_links_are_kept_out_of_the_logs(app, firm, signed_in, post_form):
    atom, ics = make_links(signed_in(JORDAN), post_form)
    for path in (atom, ics):
        line = f'127.0.0.1 - - "GET {path} HTTP/1.1" 200'
        assert path.split("/")[2] not in redact(line)
    assert redact("GET /account/feeds/off") == "GET /account/feeds/off"


def test_a_milestone_done_early_moves_to_its_day_and_says_done(
        app, firm, signed_in, post_form, today):
    _, ics = make_links(signed_in(JORDAN), post_form)
    with app.app_context():
        project_services.complete_milestone(db.session.get(Milestone, firm["design"]),
                                            on=today - timedelta(days=1))
        db.session.commit()
    [event] = [e for uid, e in read_calendar(app, ics).items() if uid.startswith("milestone-")]
    assert event["DTSTART"].dt == today - timedelta(days=1)
    assert str(event["SUMMARY"]).endswith("(done)") and int(event["SEQUENCE"]) == 1


def test_a_feed_costs_the_same_statements_for_one_project_or_many(
        app, make, firm, signed_in, post_form):
    from tests.operations.test_query_counts import counted

    atom, ics = make_links(signed_in(JORDAN), post_form)
    reader = app.test_client()

    def statements(path: str) -> int:
        reader.get(path)  # warm up: connect, note the read
        with counted(app) as ran:
            assert reader.get(path).status_code == 200
        return len(ran)

    few = {path: statements(path) for path in (atom, ics)}
    for n in range(8):
        project = make.project("Acme Corp", name=f"Extra {n}", eta_in_days=10 + n)
        make.milestone(project, title=f"Step {n}", planned_in_days=5 + n)
        make.update(project, author=firm["staff"], body=f"Update {n}.")
    assert {path: statements(path) for path in (atom, ics)} == few
    assert len(read_calendar(app, ics)) == 2 + 16


def test_erasing_the_clients_data_removes_their_feed_link(
        app, make, firm, signed_in, post_form):
    from portal.accounts import erasure
    from portal.accounts.models import Organization

    atom, _ = make_links(signed_in(JORDAN), post_form)
    admin = make.user("ada@firm.example", role=Role.ADMIN).id
    with app.app_context():
        acme = db.session.scalar(select(Organization).where(Organization.name == "Acme Corp"))
        erasure.erase(acme, typed_name="Acme Corp", by=db.session.get(User, admin))
        db.session.commit()
        assert db.session.scalar(select(FeedLink)) is None
    assert app.test_client().get(atom).status_code == 404



def test_two_tabs_making_links_at_once_leave_one_working_link(app, firm):
    import threading

    from portal.feeds import services

    barrier, tokens, failures = threading.Barrier(2), [], []

    def press() -> None:
        try:
            with app.app_context():
                user = db.session.scalar(select(User).where(User.email == JORDAN))
                barrier.wait(timeout=10)
                tokens.append(services.make_feed_link(user))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures and len(tokens) == 2
    works = [app.test_client().get(f"/feeds/{t}/etas.ics").status_code for t in tokens]
    assert sorted(works) == [200, 404]
    with app.app_context():
        assert len(db.session.scalars(select(FeedLink)).all()) == 1


NEW_PASSWORD = "harbour kettle violet 42"


def _still_working(app, atom: str, ics: str) -> bool:
    codes = {app.test_client().get(path).status_code for path in (atom, ics)}
    assert len(codes) == 1, codes
    return codes == {200}


def test_changing_the_password_stops_the_links_and_the_page_says_so(
        app, firm, signed_in, post_form):
    jordan = signed_in(JORDAN)
    assert "whenever your password is changed or reset" in jordan.get(
        "/account/feeds").get_data(as_text=True)
    atom, ics = make_links(jordan, post_form)
    assert _still_working(app, atom, ics)
    response = post_form(jordan, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _still_working(app, atom, ics)
    page = jordan.get("/account/feeds").get_data(as_text=True)
    assert "stopped working when your password was changed" in page
    assert "Make my links" in page and "Reset my links" not in page
    new_atom, new_ics = make_links(jordan, post_form)  # new links after the change work
    assert _still_working(app, new_atom, new_ics)
    assert not _still_working(app, atom, ics)


def test_resetting_the_password_by_email_stops_the_links(app, firm, signed_in, post_form, smtp):
    atom, ics = make_links(signed_in(JORDAN), post_form)
    assert _still_working(app, atom, ics)
    browser = app.test_client()
    post_form(browser, "/login/forgot", {"email": JORDAN})
    run_jobs(app)
    deliver(app)
    body = smtp.messages[-1][1].get_body(("plain",)).get_content()
    reset = re.search(r"https?://[^/\s]+(/login/reset/[A-Za-z0-9_\-]+)", body).group(1)
    response = post_form(browser, reset, {"new_password": NEW_PASSWORD,
                                          "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _still_working(app, atom, ics)
