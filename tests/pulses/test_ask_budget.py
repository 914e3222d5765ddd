"""One ask budget per client person: at most one new ask in any 24 hours across pulses,
reminders and check-ins, waiting in priority order (a closeout pulse before a periodic one),
never lost; the pulse fatigue rule still holds as before. Staff see what waits and why."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from portal import tasks
from portal.auth.models import Role, User
from portal.extensions import db
from portal.notifications import asks
from portal.notifications.models import Ask, AskKind, AskState, MessageKind
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, RequestState, Trigger
from tests.support.mail import outbox

WED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def acme(make):
    make.organization("Acme Corp", timezone="Europe/London")
    jordan = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    return {"client": jordan, "project": make.project("Acme Corp", name="Data platform")}


def _check_in(app, user, key, now):
    """A placement check-in, as the placements feature will ask one."""
    with app.app_context():
        ask = asks.request_ask(db.session.get(User, user.id), AskKind.CHECK_IN,
                               asks.Priority.CHECK_IN, key=key, now=now)
        db.session.commit()
        return ask.state


def _request(app, request_id) -> PulseRequest:
    with app.app_context():
        db.session().expire_on_commit = False
        row = db.session.get(PulseRequest, request_id)
        db.session.commit()
        return row


def _release(app, now):
    with app.app_context():
        released = asks.release_waiting(now)
        db.session.commit()
        return [a.subject_key for a in released]


def test_a_pulse_waits_for_the_persons_24_hours_then_goes(app, make, acme):
    assert _check_in(app, acme["client"], "check-in:1", WED) == AskState.SENT
    pulse = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"],
                       now=WED + timedelta(hours=2))
    held = _request(app, pulse.id)
    assert held.state == RequestState.HELD
    assert held.hold_reason == "held: one ask per 24 h, next at Thu 3 Dec 10:00 Europe/London"
    assert [m.kind for m in outbox(app)] == []
    assert _release(app, WED + timedelta(hours=23, minutes=59)) == []
    assert _release(app, WED + timedelta(hours=24)) == [f"pulse:{pulse.id}"]
    sent = _request(app, pulse.id)
    assert (sent.state, sent.sent_at) == (RequestState.SENT, WED + timedelta(hours=24))
    assert [m.kind for m in outbox(app)] == [MessageKind.PULSE_REQUEST]
    assert _release(app, WED + timedelta(hours=25)) == []  # idempotent: sent once


def test_waiting_asks_go_in_priority_order_not_arrival_order(app, make, acme):
    _check_in(app, acme["client"], "check-in:1", WED)
    periodic = make.pulse(acme["client"], trigger=Trigger.PERIODIC, now=WED + timedelta(hours=1))
    update = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"],
                        now=WED + timedelta(hours=2))
    assert _release(app, WED + timedelta(hours=24)) == [f"pulse:{update.id}"]
    # The periodic one had waited longer, but the update pulse went first; now the 14-day
    # fatigue rule holds it, as it always did after a pulse
    assert _release(app, WED + timedelta(hours=48)) == []
    later = _request(app, periodic.id)
    assert later.state == RequestState.HELD
    assert later.hold_reason.startswith("Jordan Blake had a pulse on 3 Dec 2026")
    with app.app_context():
        assert db.session.scalar(select(Ask.state).where(
            Ask.subject_key == f"pulse:{periodic.id}")) == AskState.DROPPED
        # The fatigue rule lets it go after 14 days, through the budget again
        released = pulses.release_held(WED + timedelta(days=15))
        db.session.commit()
        assert [r.id for r in released] == [periodic.id]


def test_a_closeout_pulse_goes_at_once_and_the_periodic_waits_behind_it(app, make, acme):
    periodic = make.pulse(acme["client"], trigger=Trigger.PERIODIC, now=WED)
    assert _request(app, periodic.id).state == RequestState.SENT
    _check_in(app, acme["client"], "check-in:1", WED + timedelta(days=20))  # waits: none yet
    closeout = make.pulse(acme["client"], trigger=Trigger.CLOSEOUT, project=acme["project"],
                          now=WED + timedelta(days=20, hours=1))
    assert _request(app, closeout.id).state == RequestState.SENT
    # The check-in went at once (its 24 hours were free); the closeout pulse rides on the
    # closeout email, so it never waits, but it counts: nothing else goes for 24 hours
    assert _check_in(app, acme["client"], "check-in:2", WED + timedelta(days=20, hours=2)) == (
        AskState.WAITING)
    assert _release(app, WED + timedelta(days=21)) == []
    with app.app_context():
        assert asks.next_free(acme["client"].id, WED + timedelta(days=21)) == WED + timedelta(
            days=21, hours=1)


def test_asking_twice_for_the_same_thing_is_one_ask(app, acme):
    assert _check_in(app, acme["client"], "check-in:7", WED) == AskState.SENT
    assert _check_in(app, acme["client"], "check-in:7", WED + timedelta(hours=1)) == (
        AskState.SENT)
    with app.app_context():
        assert db.session.scalar(select(Ask.id).where(Ask.subject_key == "check-in:7"))
        assert len(db.session.scalars(select(Ask)).all()) == 1


def test_never_two_asks_within_24_hours_recomputed_from_the_rows(app, make, acme,
                                                                monkeypatch):
    """Many asks over a fortnight, released every five hours: no two sent asks of one person
    are less than 24 hours apart, and the ones not sent still wait."""
    monkeypatch.setitem(asks._senders, AskKind.CHECK_IN, lambda ask, now: True)
    now = WED
    for hour in range(0, 24 * 14, 5):
        moment = WED + timedelta(hours=hour)
        if hour % 15 == 0:
            _check_in(app, acme["client"], f"check-in:{hour}", moment)
        if hour % 40 == 0:
            make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"],
                       now=moment)
        _release(app, moment)
        now = moment
    with app.app_context():
        sent = db.session.execute(text(
            "SELECT sent_at FROM ask WHERE state = 'sent' AND user_id = :u ORDER BY sent_at"),
            {"u": acme["client"].id}).scalars().all()
        waiting = db.session.execute(text(
            "SELECT count(*) FROM ask WHERE state = 'waiting'")).scalar()
    moments = [datetime.fromisoformat(str(s)).replace(tzinfo=UTC) for s in sent]
    assert len(moments) >= 13
    assert all(b - a >= timedelta(hours=24) for a, b in zip(moments, moments[1:], strict=False))
    assert waiting > 0 and now  # nothing lost: the rest still wait


def test_two_workers_releasing_at_once_send_each_ask_once(app, make, acme, database_url,
                                                          monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent workers need PostgreSQL's row locks (SQLite runs one writer)")
    monkeypatch.setitem(asks._senders, AskKind.CHECK_IN, lambda ask, now: True)
    _check_in(app, acme["client"], "check-in:1", WED)
    for n in range(2, 5):
        _check_in(app, acme["client"], f"check-in:{n}", WED + timedelta(hours=n))
    results, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append([a.subject_key for a in asks.release_waiting(WED + timedelta(days=1))])
            db.session.commit()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(key for keys in results for key in keys) == ["check-in:2"]


def test_check_ins_wait_when_their_feature_is_not_loaded(app, acme):
    """No sender for a kind (its feature is not in this process): its asks wait, never lost."""
    _check_in(app, acme["client"], "check-in:1", WED)
    assert _check_in(app, acme["client"], "check-in:2", WED + timedelta(hours=1)) == (
        AskState.WAITING)
    assert _release(app, WED + timedelta(days=2)) == []
    with app.app_context():
        assert db.session.scalar(select(Ask.state).where(
            Ask.subject_key == "check-in:2")) == AskState.WAITING


def test_the_scheduled_job_sends_a_waiting_pulse_once(app, make, acme, clock):
    _check_in(app, acme["client"], "check-in:1", WED)
    pulse = make.pulse(acme["client"], trigger=Trigger.MILESTONE, project=acme["project"],
                       now=WED + timedelta(hours=3))
    clock.set(WED + timedelta(hours=27))
    with app.app_context():
        assert tasks.run_pulse_schedule()[3] == 1
    with app.app_context():
        assert tasks.run_pulse_schedule()[3] == 0
    assert _request(app, pulse.id).sent_at == WED + timedelta(hours=27)
    assert [m.kind for m in outbox(app)] == [MessageKind.PULSE_REQUEST]


def test_staff_see_who_waits_for_the_budget_and_until_when(app, make, acme, clock,
                                                           signed_in):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    clock.set(WED + timedelta(hours=2))
    _check_in(app, acme["client"], "check-in:1", WED)
    make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"], now=clock.now())
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert ("Acme Corp · Jordan Blake · update pulse: held: one ask per 24 h, next at "
            "Thu 3 Dec 10:00 Europe/London") in page


def test_the_next_ask_is_24_hours_later_across_the_change_of_clocks(app, make, acme):
    """Saturday 24 Oct 2026 12:00 BST; the clocks go back that night: 24 hours later is
    11:00 GMT on Sunday, said in London time."""
    saturday = datetime(2026, 10, 24, 11, 0, tzinfo=UTC)
    _check_in(app, acme["client"], "check-in:1", saturday)
    pulse = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"],
                       now=saturday + timedelta(hours=1))
    assert _request(app, pulse.id).hold_reason == (
        "held: one ask per 24 h, next at Sun 25 Oct 11:00 Europe/London")
