"""An account's owner who has logged no touchpoint with it for the firm's number of days
(default 21) gets one reminder email per gap, from the daily job; the admin sets the days."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.touchpoints import jobs, services
from portal.touchpoints.models import TouchpointKind
from tests.touchpoints.conftest import staff_of


def _run_job(app) -> int:
    """The daily job, run here on this app as the worker would."""
    with app.app_context():
        return jobs.remind_out_of_touch_owners()


def _reminders(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.TOUCHPOINT_REMINDER).order_by(OutboxMessage.id)))


def _account_created(app, account_id: int, days_ago: int) -> None:
    with app.app_context():
        db.session.get(Organization, account_id).created_at = utcnow() - timedelta(
            days=days_ago)
        db.session.commit()


def _touchpoint(app, account_id: int, on: date, email: str = "priya@firm.example") -> None:
    with app.app_context():
        staff = staff_of(app, email)
        services.log_touchpoint(db.session.get(Organization, account_id), by=staff,
                                kind=TouchpointKind.CALL, occurred_on=on, staff=staff,
                                client_people="Jordan", note="", client_summary=None)
        db.session.commit()


def test_no_reminder_within_the_gap_one_after_it_and_never_twice(app, acme):
    _account_created(app, acme.id, 20)
    assert _run_job(app) == 0
    _account_created(app, acme.id, 21)
    assert _run_job(app) == 1
    assert _run_job(app) == 0  # the job runs daily: once per gap
    (message,) = _reminders(app)
    assert message.to_address == "priya@firm.example"
    assert message.subject.startswith("Time to get in touch with Acme Corp")
    assert "for 21 days" in message.text_body and "at least every 21 days" in message.text_body
    assert f"/staff/accounts/{acme.id}/touchpoints/new" in message.text_body


def test_a_touchpoint_ends_the_gap_and_a_new_gap_brings_a_new_reminder(app, acme):
    _account_created(app, acme.id, 100)
    assert _run_job(app) == 1
    _touchpoint(app, acme.id, date.today() - timedelta(days=5))
    assert _run_job(app) == 0
    later = utcnow() + timedelta(days=17)
    with app.app_context():
        assert len(services.queue_contact_reminders(later)) == 1
        db.session.commit()
        assert services.queue_contact_reminders(later + timedelta(days=3)) == []
    last = _reminders(app)[-1]
    assert "(the last was on " in last.text_body and "for 22 days" in last.text_body


def test_only_the_owners_own_touchpoints_count_and_archived_accounts_are_left_alone(
        app, acme, make):
    make.user("sam@firm.example", role=Role.STAFF, name="Sam Colleague")
    _account_created(app, acme.id, 60)
    _touchpoint(app, acme.id, date.today(), email="sam@firm.example")
    assert _run_job(app) == 1  # a colleague's call is not the owner's
    with app.app_context():
        db.session.get(Organization, acme.id).archived_at = utcnow()
        db.session.commit()
        assert services.queue_contact_reminders(utcnow() + timedelta(days=90)) == []


def test_the_admin_sets_the_days_and_bad_numbers_change_nothing(app, acme, signed_in,
                                                               post_form):
    admin = signed_in("ada@firm.example")
    assert admin.get("/admin/touchpoints").status_code == 200
    for bad in ("0", "366", "ten", ""):
        response = post_form(admin, "/admin/touchpoints", {"contact_days": bad})
        assert response.status_code == 422, bad
    assert post_form(admin, "/admin/touchpoints", {"contact_days": "7"}).status_code == 302
    with app.app_context():
        assert services.contact_days() == 7
    _account_created(app, acme.id, 7)
    assert _run_job(app) == 1
    assert signed_in("priya@firm.example").get("/admin/touchpoints").status_code == 404
    assert signed_in("jordan@acme.example").get("/admin/touchpoints").status_code == 404


def test_the_reminder_uses_the_accounts_day(app, acme):
    # Created 21 days ago at 23:30 UTC: in Auckland that was already the next day.
    with app.app_context():
        org = db.session.get(Organization, acme.id)
        org.timezone = "Pacific/Auckland"
        now = datetime(2026, 6, 22, 1, 0, tzinfo=utcnow().tzinfo)
        org.created_at = datetime(2026, 5, 31, 23, 30, tzinfo=now.tzinfo)
        db.session.commit()
        # In Auckland (UTC+12) the account began on 1 Jun and today is 22 Jun: 21 days.
        assert len(services.queue_contact_reminders(now)) == 1
