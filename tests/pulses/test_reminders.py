"""Reminders: an unanswered pulse gets at most two (days 3 and 7 by default, admin-set), only
to people who have not answered, never after the pulse can no longer be answered, each through
the person's ask budget; a reminder never counts towards the pulse fatigue rule. The admin
sets the days (and quiet hours) on a page linked from Firm content."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import tasks
from portal.auth.models import Role, User
from portal.extensions import db
from portal.notifications import asks
from portal.notifications.models import Ask, AskKind, AskSettings, AskState, MessageKind
from portal.notifications.quiet_hours import ask_rules, update_ask_rules
from portal.pulses import reminders
from portal.pulses import services as pulses
from portal.pulses.models import PulseReminder, PulseRequest, RequestState, Trigger
from tests.support.mail import deliver, outbox

WED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def acme(make):
    make.organization("Acme Corp", timezone="Europe/London")
    return {
        "jordan": make.user("jordan@acme.example", organization="Acme Corp",
                            name="Jordan Blake"),
        "sam": make.user("sam@acme.example", organization="Acme Corp", name="Sam Lee"),
        "project": make.project("Acme Corp", name="Data platform"),
    }


def _remind(app, now) -> list[tuple[str, int]]:
    with app.app_context():
        sent = reminders.send_due_reminders(now)
        db.session.commit()
        return [(r.request.user.email, r.number) for r in sent]


def _answer(app, request_id, now):
    with app.app_context():
        request = db.session.get(PulseRequest, request_id)
        pulses.record_answers(request, comments={}, now=now,
                              scores={q.id: 4 for q in request.template.questions})
        db.session.commit()


def _days(settings_first: int, settings_second: int, app):
    with app.app_context():
        update_ask_rules(first_reminder_day=settings_first, second_reminder_day=settings_second,
                         quiet_start=20, quiet_end=8, quiet_weekends=True, by=None)
        db.session.commit()


def test_two_reminders_on_days_3_and_7_by_email_then_no_more(app, make, acme, smtp):
    make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    assert _remind(app, WED + timedelta(days=2, hours=23)) == []
    assert _remind(app, WED + timedelta(days=3)) == [("jordan@acme.example", 1)]
    assert _remind(app, WED + timedelta(days=3, hours=6)) == []  # idempotent
    assert _remind(app, WED + timedelta(days=7)) == [("jordan@acme.example", 2)]
    assert _remind(app, WED + timedelta(days=10)) == []  # at most two
    deliver(app)
    subjects = [m["Subject"] for _, m in smtp.messages]
    assert subjects[0].startswith("How are we doing?")
    assert subjects[1:] == ["A reminder: how are we doing? (about Data platform) · Northwind "
                            "Partners"] * 2
    body = smtp.messages[1][1].get_body(("plain",)).get_content()
    assert "can be answered until 16 Dec 2026" in body
    assert "/pulses/" in body


def test_a_care_pulses_reminder_offers_help_as_the_pulse_did(app, make, acme, smtp):
    carer = make.user("cara@firm.example", role=Role.STAFF, name="Cara Care")
    with app.app_context():
        db.session.get(User, acme["jordan"].id).organization.care_owner_id = carer.id
        db.session.commit()
    make.pulse(acme["jordan"], trigger=Trigger.CARE, project=acme["project"], now=WED)
    assert _remind(app, WED + timedelta(days=3)) == [("jordan@acme.example", 1)]
    deliver(app)
    subjects = [m["Subject"] for _, m in smtp.messages]
    assert subjects[0].startswith("Anything we can help with?")
    assert subjects[1].startswith("A reminder: anything we can help with?")


def test_only_people_who_have_not_answered_are_reminded(app, make, acme):
    jordan = make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    make.pulse(acme["sam"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    _answer(app, jordan.id, WED + timedelta(days=1))
    assert _remind(app, WED + timedelta(days=3)) == [("sam@acme.example", 1)]


def test_a_missed_day_is_not_made_up_and_nothing_goes_after_the_answer_window(app, make, acme):
    make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    make.pulse(acme["sam"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    assert _remind(app, WED + timedelta(days=8)) == [("jordan@acme.example", 2),
                                                     ("sam@acme.example", 2)]
    make.pulse(make.user("kim@acme.example", organization="Acme Corp"),
               trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    assert _remind(app, WED + timedelta(days=14)) == []  # closed: 14 days to answer


def test_a_reminder_that_would_arrive_after_the_window_is_not_made(app, make, acme, quiet):
    """Days 3 and 13: a pulse sent on Sunday 6 Dec closes Sunday 20 Dec 10:00; its second
    reminder falls on Saturday 19 Dec, held by quiet weekends until Monday: too late."""
    _days(3, 13, app)
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=sunday)
    assert _remind(app, sunday + timedelta(days=3)) == [("jordan@acme.example", 1)]
    assert _remind(app, sunday + timedelta(days=13)) == []


def test_reminders_count_towards_the_budget_but_not_the_fatigue_rule(app, make, acme):
    make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    assert _remind(app, WED + timedelta(days=7)) == [("jordan@acme.example", 2)]
    # The fatigue rule counts from the pulse (day 0), not from the reminder (day 7)
    later = make.pulse(acme["jordan"], trigger=Trigger.MILESTONE, project=acme["project"],
                       now=WED + timedelta(days=14, hours=1))
    with app.app_context():
        assert db.session.get(PulseRequest, later.id).state == RequestState.SENT
    # The budget does count it: a reminder within 24 hours of an ask waits
    make.pulse(acme["sam"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    with app.app_context():
        asks.request_ask(db.session.get(User, acme["sam"].id), AskKind.CHECK_IN,
                         asks.Priority.CHECK_IN, key="check-in:1",
                         now=WED + timedelta(days=3, hours=-1))
        db.session.commit()
    assert _remind(app, WED + timedelta(days=3)) == []
    with app.app_context():
        [waiting] = db.session.scalars(select(Ask).where(
            Ask.kind == AskKind.REMINDER, Ask.state == AskState.WAITING)).all()
        assert waiting.hold_reason == (
            "held: one ask per 24 h, next at Sun 6 Dec 09:00 Europe/London")
        assert [a.subject_key for a in asks.release_waiting(WED + timedelta(days=4))] == [
            waiting.subject_key]
        db.session.commit()
    kinds = [m.kind for m in outbox(app) if m.to_address == "sam@acme.example"]
    assert kinds == [MessageKind.PULSE_REQUEST, MessageKind.PULSE_REMINDER]


def test_a_waiting_reminder_is_dropped_once_the_pulse_is_answered(app, make, acme):
    pulse = make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    with app.app_context():
        asks.request_ask(db.session.get(User, acme["jordan"].id), AskKind.CHECK_IN,
                         asks.Priority.CHECK_IN, key="check-in:1",
                         now=WED + timedelta(days=3, hours=-1))
        db.session.commit()
    assert _remind(app, WED + timedelta(days=3)) == []
    _answer(app, pulse.id, WED + timedelta(days=3, hours=2))
    with app.app_context():
        assert asks.release_waiting(WED + timedelta(days=4)) == []
        db.session.commit()
    assert MessageKind.PULSE_REMINDER not in [m.kind for m in outbox(app)]


def test_the_hourly_job_reminds_once_however_often_it_runs(app, make, acme, clock):
    make.pulse(acme["jordan"], trigger=Trigger.UPDATE, project=acme["project"], now=WED)
    clock.set(WED + timedelta(days=3, minutes=15))
    for _ in range(3):
        with app.app_context():
            tasks.run_pulse_schedule()
    with app.app_context():
        assert db.session.scalar(select(func.count(PulseReminder.id))) == 1


def test_admins_set_the_reminder_days_from_firm_content(app, make, signed_in, post_form):
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    browser = signed_in("ada@firm.example")
    assert 'href="/admin/asks"' in browser.get("/admin/content").get_data(as_text=True)
    page = browser.get("/admin/asks").get_data(as_text=True)
    assert "reminders on days 3 and 7; quiet 20:00–08:00 and weekends" in page
    form = {"first_reminder_day": "2", "second_reminder_day": "5", "quiet_start": "21",
            "quiet_end": "7", "quiet_weekends": "y"}
    assert post_form(browser, "/admin/asks", form).status_code == 302
    with app.app_context():
        assert ask_rules().reminder_days == (2, 5)
        assert (ask_rules().quiet_start, ask_rules().quiet_end) == (21, 7)


@pytest.mark.parametrize(("first", "second", "message"), [
    ("5", "5", "the second after the first"),
    ("3", "14", "a pulse can be answered for 14 days"),
    ("0", "7", "from 1 to 60"),
    ("", "7", "Give a whole number of days"),
    ("3" * 400, "7", "at most 9 digits"),
])
def test_refused_reminder_days_change_nothing(app, make, signed_in, post_form, first, second,
                                              message):
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    browser = signed_in("ada@firm.example")
    form = {"first_reminder_day": first, "second_reminder_day": second, "quiet_start": "20",
            "quiet_end": "8"}
    response = post_form(browser, "/admin/asks", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AskSettings, 1) is None


def test_clients_and_staff_cannot_open_the_settings(app, make, signed_in):
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("priya@firm.example", role=Role.STAFF)
    assert signed_in("jordan@acme.example").get("/admin/asks").status_code in (403, 404)
    assert signed_in("priya@firm.example").get("/admin/asks").status_code in (403, 404)
