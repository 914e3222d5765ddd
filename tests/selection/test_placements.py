"""Placements and check-ins: staff mark a candidate placed; on the admin's days the hiring
manager is asked one question by the pulses' one-click email, within the pulses' limit; a low
answer opens a follow-up; staff see the check-ins on the project and the account."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.db import local_today
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, RequestState, Trigger
from portal.selection import erasure, placements
from portal.selection.models import Candidate
from portal.selection.placement_models import CheckIn, Placement
from tests.selection.placement_setup import acme, presented, url
from tests.support.rows import count_rows


@pytest.fixture
def people(make):
    return acme(make)


def _place(post_form, staff, candidate, client_id: int, starts_on: date):
    return post_form(staff, url(candidate, "placement", staff=True),
                     {"starts_on": starts_on.isoformat(), "hiring_manager_id": str(client_id)})


def _ask_due(app, now: datetime) -> list[int]:
    with app.app_context(), app.test_request_context():
        asked = [r.id for r in placements.ask_due(now)]
        db.session.commit()
        return asked


def test_marking_placed_schedules_check_ins_on_the_admins_days(app, people, signed_in,
                                                               post_form):
    candidate = presented(app, people["project"])
    staff = signed_in("priya@firm.example")
    start = date(2026, 3, 2)
    assert _place(post_form, staff, candidate, people["client"].id, start).status_code == 302
    with app.app_context():
        placement = db.session.scalars(select(Placement)).one()
        assert placement.hiring_manager_id == people["client"].id
        assert [(c.day, c.due_on) for c in placement.check_ins] == [
            (30, date(2026, 4, 1)), (60, date(2026, 5, 1)), (90, date(2026, 5, 31))]
    # Placing twice is refused with a reason, and adds nothing.
    assert _place(post_form, staff, candidate, people["client"].id, start).status_code == 422
    assert count_rows(app, Placement) == 1


def test_the_admin_sets_the_check_in_days(app, make, people, signed_in, post_form):
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    admin = signed_in("ada@firm.example")
    assert post_form(admin, "/admin/check-ins", {"days": "90, 14, x"}).status_code == 422
    assert post_form(admin, "/admin/check-ins", {"days": "14, 90"}).status_code == 302
    candidate = presented(app, people["project"])
    _place(post_form, signed_in("priya@firm.example"), candidate, people["client"].id,
           date(2026, 3, 2))
    with app.app_context():
        assert [c.day for c in db.session.scalars(select(CheckIn))] == [14, 90]
    assert signed_in("priya@firm.example").get("/admin/check-ins").status_code in (403, 404)


def test_a_check_in_is_a_one_click_pulse_and_a_low_answer_is_followed_up(
        app, make, people, signed_in, post_form, client):
    candidate = presented(app, people["project"])
    staff = signed_in("priya@firm.example")
    start = local_today("America/New_York") - timedelta(days=31)
    _place(post_form, staff, candidate, people["client"].id, start)
    asked = _ask_due(app, datetime.now(UTC))
    assert len(asked) == 1
    assert _ask_due(app, datetime.now(UTC)) == []  # asked once
    with app.app_context():
        request = db.session.get(PulseRequest, asked[0])
        assert request.trigger == Trigger.CHECK_IN and request.about == "Maria"
        message = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.PULSE_REQUEST)).one()
    assert message.subject.startswith("How is Maria settling in?")
    links = re.findall(r"https?://\S+/pulses/\S+\?score=(\d)", message.text_body)
    assert links == ["1", "2", "3", "4", "5"]
    link = re.search(r"(/pulses/[^\s?]+)\?score=2", message.text_body).group(1)

    # One click opens the form with the score chosen; a mail scanner's GET records nothing.
    page = client.get(f"{link}?score=2").get_data(as_text=True)
    assert "How is Maria settling in?" in page and re.search(r'checked [^>]*value="2"', page)
    assert count_rows(app, PulseAnswer) == 0
    question = re.search(r'name="(q\d+)"', page).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(link, data={question: "2", f"c{question[1:]}": "Struggling a bit.",
                                       "csrf_token": token})
    assert response.status_code == 200
    with app.app_context():
        follow_up = db.session.scalars(select(FollowUp)).one()
        assert follow_up.owner_id == people["staff"].id
        assert follow_up.reason == "Low score: Check-in 2"

    project_page = staff.get(f"/projects/{people['project'].id}").get_data(as_text=True)
    assert "Placements and check-ins" in project_page
    assert "answered 2 of 5" in project_page and "Struggling a bit." in project_page
    with app.app_context():
        org_id = db.session.get(PulseRequest, asked[0]).organization_id
    account_page = staff.get(f"/staff/accounts/{org_id}").get_data(as_text=True)
    assert "answered 2 of 5" in account_page
    # The client sees no placements' check-ins on the project; the hiring manager sees their
    # own words once, in what they told us and who is on it (the visible loop), and a
    # colleague sees neither.
    client_page = signed_in("maya@acme.example").get(
        f"/projects/{people['project'].id}").get_data(as_text=True)
    assert "Placements and check-ins" not in client_page and "answered 2 of 5" not in client_page
    assert client_page.count("Struggling a bit.") == 1 and "What you told us" in client_page
    make.user("kim@acme.example", organization="Acme Corp", name="Kim Lee")
    colleague_page = signed_in("kim@acme.example").get(f"/projects/{people['project'].id}")
    assert "Struggling a bit." not in colleague_page.get_data(as_text=True)


def test_a_check_in_counts_in_the_per_person_limit(app, people, make, signed_in, post_form):
    candidate = presented(app, people["project"])
    now = datetime.now(UTC)
    make.pulse(people["client"], now=now - timedelta(days=3))  # a pulse three days ago
    # 30 days before today where the client is (New York's today is not UTC's after midnight)
    _place(post_form, signed_in("priya@firm.example"), candidate, people["client"].id,
           local_today("America/New_York") - timedelta(days=30))
    asked = _ask_due(app, now)
    with app.app_context():
        request = db.session.get(PulseRequest, asked[0])
        assert request.state == RequestState.HELD and "at most one every" in request.hold_reason
        assert db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject.like("How is%"))).first() is None
    # Staff see it waiting, and why.
    page = signed_in("priya@firm.example").get(f"/projects/{people['project'].id}")
    assert "held by the fatigue rule" in page.get_data(as_text=True)
    # Once the wait is over it goes out like any held pulse, and the next pulse waits for it.
    with app.app_context():
        released = pulses.release_held(now + timedelta(days=12))
        db.session.commit()
        assert [r.trigger for r in released] == [Trigger.CHECK_IN]


def test_no_check_in_after_the_person_left(app, people, signed_in, post_form):
    candidate = presented(app, people["project"])
    staff = signed_in("priya@firm.example")
    start = local_today("America/New_York") - timedelta(days=65)
    _place(post_form, staff, candidate, people["client"].id, start)
    page = url(candidate, "placement", staff=True)
    bad = post_form(staff, f"{page}/left", {"left_on": (start - timedelta(days=1)).isoformat()},
                    form_page=page)
    assert bad.status_code == 422
    post_form(staff, f"{page}/left", {"left_on": (start + timedelta(days=40)).isoformat()},
              form_page=page)
    asked = _ask_due(app, datetime.now(UTC))
    with app.app_context():
        days = {c.day: c.request_id for c in db.session.scalars(select(CheckIn))}
    assert days[30] in asked and days[60] is None and len(asked) == 1
    assert "left before it was due" in staff.get(page).get_data(as_text=True)


def test_clients_cannot_reach_placement_pages(app, people, make, signed_in):
    candidate = presented(app, people["project"])
    client = signed_in("maya@acme.example")
    assert client.get(url(candidate, "placement", staff=True)).status_code in (403, 404)
    make.user("gus@globex.example", organization="Globex", name="Gus")
    assert signed_in("gus@globex.example").get(
        url(candidate, "interview")).status_code == 404


def test_erasing_a_placed_candidate_keeps_the_scores_and_forgets_the_words(
        app, people, signed_in, post_form, client):
    candidate = presented(app, people["project"])
    _place(post_form, signed_in("priya@firm.example"), candidate, people["client"].id,
           local_today("America/New_York") - timedelta(days=31))
    asked = _ask_due(app, datetime.now(UTC))
    with app.app_context(), app.test_request_context():
        request = db.session.get(PulseRequest, asked[0])
        question = request.template.questions[0]
        pulses.record_answers(request, scores={question.id: 3},
                              comments={question.id: "Maria is quiet in meetings."})
        erasure.erase_candidate(db.session.get(Candidate, candidate.id), by=None)
        db.session.commit()
        request = db.session.get(PulseRequest, asked[0])
        assert request.about is None and request.answers[0].comment is None
        assert request.answers[0].score == 3
        assert count_rows(app, Placement) == 1
    assert _ask_due(app, datetime.now(UTC) + timedelta(days=40)) == []  # no more check-ins


def test_the_demo_has_a_booked_interview_and_an_answered_check_in_once(app):
    from portal.devdata import demo
    from portal.selection.placement_models import Interview, InterviewState

    with app.app_context(), app.test_request_context():
        demo.load_demo()
        db.session.commit()
        counts = [count_rows(app, model) for model in (Interview, Placement, PulseRequest)]
        assert not demo.load_demo()  # a second run creates nothing
        db.session.commit()
        assert [count_rows(app, m) for m in (Interview, Placement, PulseRequest)] == counts
        interview = db.session.scalars(select(Interview)).one()
        assert interview.state == InterviewState.BOOKED
        assert interview.candidate.display_name == "Maria Santos"
        placement = db.session.scalars(select(Placement)).one()
        first = placement.check_ins[0]
        assert first.day == 30 and first.request.answers[0].score == 4
        assert first.request.about == "Hannah"
