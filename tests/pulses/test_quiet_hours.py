"""Quiet hours: a non-urgent email to a client waits, as an outbox row, for 08:00 where the
person is (their own timezone, else their organisation's), weekends included, across changes
of daylight saving time and of timezone; sign-in links never wait. Staff see what waits."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.quiet_hours import quiet_until
from portal.pulses.models import Trigger
from tests.support.mail import deliver, outbox


@pytest.fixture
def jordan(make):
    make.organization("Acme Corp", timezone="Europe/London")
    return make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")


def _until(app, user, moment):
    with app.app_context():
        return quiet_until(db.session.get(User, user.id), moment)


def _set_timezone(app, user, *, own=None, organization=None):
    with app.app_context():
        row = db.session.get(User, user.id)
        row.timezone = own
        if organization:
            row.organization.timezone = organization
        db.session.commit()


@pytest.mark.parametrize(("moment", "expected"), [
    # Wednesday 2 Dec 2026, London on GMT (= UTC)
    (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), None),
    (datetime(2026, 12, 2, 19, 59, tzinfo=UTC), None),
    (datetime(2026, 12, 2, 20, 0, tzinfo=UTC), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),
    (datetime(2026, 12, 3, 7, 30, tzinfo=UTC), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),
    # Friday evening and Saturday wait for Monday 08:00
    (datetime(2026, 12, 4, 21, 0, tzinfo=UTC), datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
    (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
    # Saturday 24 Oct 2026 22:00 BST; the clocks go back on Sunday 25 Oct: Monday 08:00 is
    # GMT, 08:00 UTC, not 07:00 UTC as a fixed offset would make it
    (datetime(2026, 10, 24, 21, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    # Thursday 22 Oct 2026 21:00 BST: Friday 08:00 BST is 07:00 UTC
    (datetime(2026, 10, 22, 20, 0, tzinfo=UTC), datetime(2026, 10, 23, 7, 0, tzinfo=UTC)),
])
def test_quiet_hours_end_at_the_next_weekday_morning_in_london(app, jordan, quiet, moment,
                                                               expected):
    assert _until(app, jordan, moment) == expected


def test_chicago_across_the_end_of_daylight_saving_time(app, jordan, quiet):
    _set_timezone(app, jordan, organization="America/Chicago")
    # Friday 30 Oct 2026 21:00 CDT (02:00 UTC Saturday): Monday 2 Nov 08:00 CST = 14:00 UTC
    assert _until(app, jordan, datetime(2026, 10, 31, 2, 0, tzinfo=UTC)) == datetime(
        2026, 11, 2, 14, 0, tzinfo=UTC)
    # Without quiet weekends: Saturday 31 Oct 21:00 CDT waits for Sunday 1 Nov 08:00, after
    # the clocks went back at 02:00 that night: 08:00 CST = 14:00 UTC (13:00 at CDT's offset)
    with app.app_context():
        from portal.notifications.quiet_hours import update_ask_rules
        update_ask_rules(first_reminder_day=3, second_reminder_day=7, quiet_start=20,
                         quiet_end=8, quiet_weekends=False, by=None)
        db.session.commit()
    assert _until(app, jordan, datetime(2026, 11, 1, 2, 0, tzinfo=UTC)) == datetime(
        2026, 11, 1, 14, 0, tzinfo=UTC)


def test_the_persons_own_timezone_wins_and_a_change_moves_their_quiet_hours(app, jordan,
                                                                           quiet):
    evening_in_london = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)  # 15:00 in Chicago
    assert _until(app, jordan, evening_in_london) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    _set_timezone(app, jordan, own="America/Chicago")
    assert _until(app, jordan, evening_in_london) is None
    _set_timezone(app, jordan, own=None, organization="Asia/Tokyo")  # 06:00 Thursday there
    assert _until(app, jordan, evening_in_london) == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)


def test_a_pulse_email_waits_for_the_morning_and_then_arrives(app, make, jordan, clock, quiet,
                                                              smtp):
    clock.set(datetime(2026, 12, 2, 21, 0, tzinfo=UTC))
    request = make.pulse(jordan, trigger=Trigger.PERIODIC, now=clock.now())
    [message] = outbox(app)
    assert message.kind == MessageKind.PULSE_REQUEST
    assert message.next_attempt_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert deliver(app, now=datetime(2026, 12, 3, 7, 59, tzinfo=UTC)).sent == []
    assert smtp.recipients() == []
    assert deliver(app, now=datetime(2026, 12, 3, 8, 0, tzinfo=UTC)).sent == [message.id]
    assert smtp.recipients() == ["jordan@acme.example"]
    assert request.sent_at == datetime(2026, 12, 2, 21, 0, tzinfo=UTC)  # asked, in the portal


def test_a_weekly_digest_waits_for_monday_morning_where_the_client_is(app, make, jordan,
                                                                      clock, quiet):
    from portal.auth.models import UpdateEmails

    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp", name="Data platform")
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    make.update(project, author=staff, body="Moving along.")
    with app.app_context():
        db.session.get(User, jordan.id).update_emails = UpdateEmails.WEEKLY_DIGEST
        db.session.commit()
        # Monday 30 Nov 00:07 London: the week is over, but it is night there
        now = clock.set(datetime(2026, 11, 30, 0, 7, tzinfo=UTC))
        [digest] = notifications.queue_weekly_digests(now)
        db.session.commit()
        assert digest.next_attempt_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_sign_in_links_and_staff_email_are_never_held(app, make, jordan, clock, quiet):
    clock.set(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))  # Saturday night in London
    with app.app_context():
        user = db.session.get(User, jordan.id)
        notifications.queue_message(user, MessageKind.SIGN_IN_LINK, dedupe_key=None,
                                    subject="Your sign-in link", link="https://x.test/l",
                                    valid_for="15 minutes")
        db.session.commit()
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.next_attempt_at == clock.now()


def test_staff_see_what_waits_for_quiet_hours(app, make, jordan, clock, quiet, signed_in):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))  # Friday evening
    make.pulse(jordan, trigger=Trigger.PERIODIC, now=clock.now())
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert ("Acme Corp · Jordan Blake · pulse request email: held: quiet hours until "
            "Mon 7 Dec 08:00 Europe/London") in page
