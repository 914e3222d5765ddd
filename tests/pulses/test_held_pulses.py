"""A held pulse always waits for a day to come: it goes out once its wait is over, a newer one
for the same person replaces it (dropped, never sent), and a fresh demo holds none "until" a
day already past (it listed 28 held pulses "waiting until 11 Sep 2026" in December)."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.db import utcnow
from portal.devdata import demo
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, RequestState, Trigger
from tests.conftest import sign_in
from tests.pulses.test_pulses import acme  # noqa: F401 (fixture)


def _held(app) -> list[PulseRequest]:
    with app.app_context():
        db.session().expire_on_commit = False
        return list(db.session.scalars(select(PulseRequest).where(
            PulseRequest.state == RequestState.HELD)))


def test_a_newer_held_pulse_replaces_the_older_one(app, acme, make):  # noqa: F811
    now = datetime.now(UTC)
    make.pulse(acme["client"], now=now - timedelta(days=10))
    make.pulse(acme["client"], trigger=Trigger.MILESTONE, project=acme["project"],
               now=now - timedelta(days=5))
    newer = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"], now=now)
    assert [r.id for r in _held(app)] == [newer.id]
    with app.app_context():
        released = pulses.release_held(now + timedelta(days=4))
        assert [r.id for r in released] == [newer.id]
        db.session.commit()
    assert _held(app) == []


def test_a_pulse_is_not_released_before_it_was_asked_for(app, acme, make):  # noqa: F811
    now = datetime.now(UTC)
    make.pulse(acme["client"], now=now - timedelta(days=30))
    held = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"],
                      now=now - timedelta(days=20))
    with app.app_context():
        assert pulses.release_held(now - timedelta(days=25)) == []
        assert [r.id for r in pulses.release_held(now - timedelta(days=16))] == [held.id]
        db.session.commit()


def test_a_fresh_demo_holds_no_pulse_until_a_day_gone_by(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        today = utcnow().date()
        held = db.session.scalars(select(PulseRequest).where(
            PulseRequest.state == RequestState.HELD)).all()
        per_user = [r.user_id for r in held]
        assert len(per_user) == len(set(per_user)), "one held pulse a person at most"
        for request in held:
            assert pulses.held_until(request).date() > today
            said = re.search(r"waits until (\d+ \w+ \d{4})", request.hold_reason).group(1)
            assert said == f"{pulses.held_until(request):%-d %b %Y}"
    for said in re.findall(r"waits until (\d+ \w+ \d{4})", _staff_pulses_page(app)):
        assert datetime.strptime(said, "%d %b %Y").date() > today


def _staff_pulses_page(app) -> str:
    browser = app.test_client()
    assert sign_in(browser, "staff@demo.example", demo.DEFAULT_PASSWORD).status_code == 302
    return browser.get("/staff/pulses").get_data(as_text=True)
