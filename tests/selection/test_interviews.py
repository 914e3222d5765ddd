"""Interviews: staff propose up to three times in the client's timezone, the client books one
(or asks for others), both get an .ics invitation, and the project page shows it."""

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.delivery import build_email
from portal.notifications.models import MessageKind, OutboxMessage
from portal.selection.placement_models import Interview, InterviewState
from tests.selection.placement_setup import acme, presented, url
from tests.support.rows import count_rows

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def people(make):
    return acme(make)


def _next_monday_at(hour: int) -> datetime:
    """Next week's Monday at `hour` in New York (never in the past, whatever today is)."""
    today = datetime.now(NEW_YORK).date()
    monday = today + timedelta(days=7 - today.weekday() + 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=NEW_YORK)


def _propose(post_form, staff, candidate, *hours, minutes="45"):
    slots = {f"slot_{i + 1}": _next_monday_at(h).strftime("%Y-%m-%dT%H:%M")
             for i, h in enumerate(hours)}
    return post_form(staff, url(candidate, "interview", staff=True),
                     {**slots, "minutes": minutes, "where": "Video call (link in the invite)"})


def test_staff_propose_times_in_the_clients_timezone_and_the_client_books_one(
        app, people, signed_in, post_form):
    candidate = presented(app, people["project"])
    staff = signed_in("priya@firm.example")
    response = _propose(post_form, staff, candidate, 9, 11, 15)
    assert response.status_code == 302
    with app.app_context():  # the client is told, with a link to choose
        told = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.INTERVIEW_PROPOSED)).one()
        assert told.to_address == "maya@acme.example"
        assert url(candidate, "interview") in told.text_body and "09:00 E" in told.text_body
    with app.app_context():
        interview = db.session.scalars(select(Interview)).one()
        # Stored in UTC: 9:00 in New York is 14:00 (or 13:00 in summer) UTC.
        assert interview.slots[0].starts_at == _next_monday_at(9).astimezone(UTC)
        assert interview.state == InterviewState.PROPOSED

    client = signed_in("maya@acme.example")
    page = client.get(url(candidate, "interview")).get_data(as_text=True)
    # The client reads New York times, with the contact's Berlin time beside them.
    assert "09:00 E" in page and re.search(r"\((\w+ \d+ \w+, )?15:00 CE", page)
    response = post_form(client, url(candidate, "interview/book"), {"position": "1"},
                         form_page=url(candidate, "interview"))
    assert response.status_code == 302
    with app.app_context():
        interview = db.session.scalars(select(Interview)).one()
        assert interview.starts_at == _next_monday_at(11).astimezone(UTC)
        messages = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.INTERVIEW_BOOKED)).all()
        assert sorted(m.to_address for m in messages) == ["maya@acme.example",
                                                         "priya@firm.example"]
    project_page = client.get(f"/projects/{people['project'].id}").get_data(as_text=True)
    assert "Interviews" in project_page and "Maria Lopez" in project_page
    assert "Priya Nair" in project_page and "Booked" in project_page
    # Booking again is refused: the times are no longer open.
    again = post_form(client, url(candidate, "interview/book"), {"position": "0"},
                      form_page=url(candidate, "interview"))
    assert again.status_code in (302, 409, 422)
    with app.app_context():
        assert db.session.scalars(select(Interview)).one().starts_at == _next_monday_at(
            11).astimezone(UTC)


def test_the_invitation_is_an_ics_request_attached_to_the_email(app, people, signed_in,
                                                                 post_form):
    candidate = presented(app, people["project"])
    _propose(post_form, signed_in("priya@firm.example"), candidate, 10)
    client = signed_in("maya@acme.example")
    post_form(client, url(candidate, "interview/book"), {"position": "0"},
              form_page=url(candidate, "interview"))
    with app.app_context(), app.test_request_context():
        message = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "maya@acme.example",
            OutboxMessage.kind == MessageKind.INTERVIEW_BOOKED)).one()
        raw = build_email(message).as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_filename() == "invitation.ics"
    assert parts[0].get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(parts[0].get_content())
    assert calendar["METHOD"] == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    start = event.decoded("DTSTART")
    assert start == _next_monday_at(10) and start.utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - start == timedelta(minutes=45)
    assert "Maria Lopez" in str(event["SUMMARY"])
    assert str(event["ORGANIZER"]) == "mailto:priya@firm.example"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert "mailto:maya@acme.example" in [str(a) for a in attendees]


def test_the_client_asks_for_other_times_and_staff_propose_again(app, people, signed_in,
                                                                 post_form):
    candidate = presented(app, people["project"])
    staff = signed_in("priya@firm.example")
    _propose(post_form, staff, candidate, 9)
    client = signed_in("maya@acme.example")
    page = url(candidate, "interview")
    empty = post_form(client, f"{page}/other-times", {"note": "  "}, form_page=page)
    assert empty.status_code == 422
    post_form(client, f"{page}/other-times", {"note": "Any afternoon next week."},
              form_page=page)
    assert "Any afternoon next week." in staff.get(page).get_data(as_text=True)
    assert _propose(post_form, staff, candidate, 14, 16).status_code == 302
    with app.app_context():
        interview = db.session.scalars(select(Interview)).one()
        assert interview.state == InterviewState.PROPOSED and len(interview.slots) == 2


@pytest.mark.parametrize("slots", [
    {},  # no time at all
    {"slot_1": "2001-01-01T10:00"},  # in the past
    {"slot_1": "next tuesday"},
])
def test_bad_proposals_change_nothing(app, people, signed_in, post_form, slots):
    candidate = presented(app, people["project"])
    response = post_form(signed_in("priya@firm.example"),
                         url(candidate, "interview", staff=True),
                         {**slots, "minutes": "45"})
    assert response.status_code == 422
    assert count_rows(app, Interview) == 0


def test_another_organisations_client_gets_404_on_every_interview_url(app, people, make,
                                                                      signed_in, post_form):
    candidate = presented(app, people["project"])
    make.user("gus@globex.example", organization="Globex", name="Gus")
    _propose(post_form, signed_in("priya@firm.example"), candidate, 9)
    other = signed_in("gus@globex.example")
    assert other.get(url(candidate, "interview")).status_code == 404
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      other.get("/account").get_data(as_text=True))
    data = {"position": "0", "note": "x", "csrf_token": token.group(1) if token else ""}
    for path in ("book", "other-times"):
        assert other.post(url(candidate, f"interview/{path}"),
                          data=data).status_code == 404
    client = signed_in("maya@acme.example")
    assert client.get(url(candidate, "interview", staff=True)).status_code in (403, 404)
    with app.app_context():
        assert db.session.scalars(select(Interview)).one().state == InterviewState.PROPOSED


def test_an_anonymous_candidate_stays_anonymous_in_the_clients_email(app, people, signed_in,
                                                                     post_form):
    candidate = presented(app, people["project"], "Maria Lopez", anonymous=True)
    _propose(post_form, signed_in("priya@firm.example"), candidate, 9)
    client = signed_in("maya@acme.example")
    page = client.get(url(candidate, "interview")).get_data(as_text=True)
    assert "Maria" not in page
    post_form(client, url(candidate, "interview/book"), {"position": "0"},
              form_page=url(candidate, "interview"))
    with app.app_context():
        proposed, booked = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "maya@acme.example").order_by(OutboxMessage.id)).all()
        assert "Candidate A" in proposed.subject and "Candidate A" in booked.subject
        for message in (proposed, booked):
            assert "Maria" not in (message.subject + message.text_body + message.html_body
                                   + (message.calendar or ""))


def test_no_times_for_a_candidate_never_presented(app, people, signed_in, post_form):
    from portal.selection.models import Candidate

    with app.app_context():
        hidden = Candidate(project_id=people["project"].id, display_name="Not Yet",
                           sourced_on=datetime(2026, 1, 5).date())
        db.session.add(hidden)
        db.session.commit()
        db.session.refresh(hidden)
        db.session.expunge(hidden)
    response = _propose(post_form, signed_in("priya@firm.example"), hidden, 9)
    assert response.status_code == 422 and "Present the candidate" in response.get_data(
        as_text=True)
    assert count_rows(app, Interview) == 0
