"""A weekly digest covers the client's week: Monday to Monday in their organisation's
timezone, a change of daylight saving time included, and goes once their Monday has begun."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.auth.models import Role, UpdateEmails, User
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.services import digest_week, queue_weekly_digests

CHICAGO = ZoneInfo("America/Chicago")


def _chicago(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHICAGO).astimezone(UTC)


def test_the_digest_week_is_the_clients_and_spans_the_end_of_dst(app, make):
    # The week of 26 Oct 2026 in Chicago ends on Monday 2 Nov 00:00 CST, after DST ended on
    # 1 Nov: 169 hours. An update on Sunday 1 Nov at 20:00 (2 Nov 02:00 UTC) is in it; one on
    # Monday 2 Nov at 00:30 (06:30 UTC) is not, though UTC would put both in the same week.
    make.organization("Acme Corp", timezone="America/Chicago")
    staff = make.user("owner@firm.example", role=Role.STAFF)
    ann = make.user("ann@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Rollout")
    with app.app_context():
        db.session.get(User, ann.id).update_emails = UpdateEmails.WEEKLY_DIGEST
        db.session.commit()
    for body, at in (("Sunday evening news", _chicago(2026, 11, 1, 20, 0)),
                     ("Monday news", _chicago(2026, 11, 2, 0, 30))):
        make.update(project, author=staff, body=body, published_at=at)

    start, end = digest_week(_chicago(2026, 11, 2, 1, 0), "America/Chicago")
    assert (start, end) == (_chicago(2026, 10, 26, 0, 0), _chicago(2026, 11, 2, 0, 0))
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 169 * 3600

    with app.app_context():
        # Monday 2 Nov 05:30 UTC is still Sunday 23:30 in Chicago: its week is not over.
        assert [m.subject for m in queue_weekly_digests(_chicago(2026, 11, 1, 23, 30))] == []
        db.session.commit()
        queued = queue_weekly_digests(_chicago(2026, 11, 2, 1, 0))
        db.session.commit()
        assert [m.subject for m in queued] == [
        "Your week: 1 update, week of 26 Oct 2026 · Northwind Partners"]
        again = queue_weekly_digests(_chicago(2026, 11, 2, 2, 0))  # the next hour: nothing new
        db.session.commit()
        assert again == []
        rows = db.session.query(OutboxMessage).filter_by(kind=MessageKind.WEEKLY_DIGEST).all()
        assert len(rows) == 1
