"""A check-in is a pulse of its own kind: unanswered, its hiring manager gets at most two
reminders (days 3 and 7 by default) from the hourly pulse schedule, through the real SMTP
server, and each reminder names the placed person as the check-in did."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import tasks
from portal.auth.models import User
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger
from portal.selection import check_in_jobs, placements
from portal.selection.models import Candidate
from tests.selection.placement_setup import acme, presented
from tests.support.clock import Clock

WED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # the 30-day check-in's day


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    return Clock(monkeypatch, WED)


@pytest.fixture
def asked(app, make, clock, smtp) -> int:
    """Maria Lopez placed 30 days ago; the check-in job has asked her hiring manager."""
    people = acme(make)
    candidate = presented(app, people["project"], at=WED - timedelta(days=40))
    with app.app_context(), app.test_request_context():
        placements.place(db.session.get(Candidate, candidate.id),
                         by=db.session.get(User, people["staff"].id),
                         hiring_manager=db.session.get(User, people["client"].id),
                         starts_on=(WED - timedelta(days=30)).date(),
                         now=WED - timedelta(days=30))
        db.session.commit()
    with app.app_context():
        assert check_in_jobs.ask_due_check_ins() == 1
        return db.session.scalars(select(PulseRequest.id)).one()


def _hourly(app, clock, moment: datetime) -> int:
    """Run the hourly pulse schedule at `moment`; the number of reminders it made."""
    clock.set(moment)
    with app.app_context():
        return tasks.run_pulse_schedule()[2]


def _mail(smtp) -> list[tuple[str, str]]:
    return [(m["Subject"], m.get_body(("plain",)).get_content()) for _, m in smtp.messages]


def test_an_unanswered_check_in_is_reminded_on_days_3_and_7_then_never(app, clock, smtp,
                                                                       asked):
    [(subject, _)] = _mail(smtp)
    assert subject.startswith("How is Maria settling in?")
    assert _hourly(app, clock, WED + timedelta(days=2, hours=23)) == 0
    assert _hourly(app, clock, WED + timedelta(days=3)) == 1
    assert _hourly(app, clock, WED + timedelta(days=3, hours=1)) == 0  # made once
    assert _hourly(app, clock, WED + timedelta(days=7)) == 1
    assert _hourly(app, clock, WED + timedelta(days=10)) == 0  # at most two
    assert _hourly(app, clock, WED + timedelta(days=13, hours=23)) == 0
    mail = _mail(smtp)
    assert smtp.recipients() == ["maya@acme.example"] * 3
    for subject, body in mail[1:]:
        assert subject.startswith("A reminder: how is Maria settling in?")
        assert "How is Maria settling in?" in body
        assert "can be answered until 16 Dec 2026" in body
        assert "/pulses/" in body and "?score=5" in body
        assert "how are we doing" not in (subject + body).lower()


def test_an_answered_check_in_gets_no_reminder(app, clock, smtp, asked):
    clock.set(WED + timedelta(days=1))
    with app.app_context():
        request = db.session.get(PulseRequest, asked)
        assert request.trigger == Trigger.CHECK_IN
        pulses.record_answers(request, comments={}, now=clock.now(),
                              scores={q.id: 4 for q in request.template.questions})
        db.session.commit()
    assert _hourly(app, clock, WED + timedelta(days=3)) == 0
    assert _hourly(app, clock, WED + timedelta(days=7)) == 0
    assert len(smtp.messages) == 1
