"""The response rate by quarter, per account and for the firm: sent, answered, reminded and
the rate, next to the 20% award bar; each figure recomputed here with its own query, in the
account's timezone (a pulse sent on 31 Dec 23:30 UTC is in Q1 for Tokyo)."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import text

from portal.auth.models import Role
from portal.extensions import db
from portal.pulses import reminders
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest
from portal.pulses.response_rates import AWARD_RESPONSE_RATE_BAR, quarterly_rates

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def accounts(make):
    make.organization("Acme Corp", timezone="Asia/Tokyo")
    make.organization("Globex", timezone="UTC")
    acme = [make.user(f"c{i}@acme.example", organization="Acme Corp") for i in range(5)]
    globex = [make.user(f"c{i}@globex.example", organization="Globex") for i in range(3)]
    return acme, globex


def _pulse(app, make, user, at, *, answer=False, remind=False):
    request = make.pulse(user, now=at)
    with app.app_context():
        row = db.session.get(PulseRequest, request.id)
        if remind:
            reminders.send_due_reminders(at + timedelta(days=3))
        if answer:
            pulses.record_answers(row, comments={}, now=at + timedelta(days=4),
                                  scores={q.id: 4 for q in row.template.questions})
        db.session.commit()


def _recount(app, start: datetime, end: datetime, organization_id=None) -> tuple[int, int, int]:
    """Sent, answered and reminded in [start, end), counted by hand in SQL."""
    where = "sent_at >= :start AND sent_at < :end" + (
        " AND organization_id = :org" if organization_id else "")
    with app.app_context():
        args = {"start": start.astimezone(UTC), "end": end.astimezone(UTC),
                "org": organization_id}
        # The clauses are constants of this test and every value is bound: no injection.
        sent = db.session.execute(text(
            f"SELECT count(*) FROM pulse_request WHERE {where}"),  # noqa: S608
            args).scalar()
        answered = db.session.execute(text(
            f"SELECT count(*) FROM pulse_request WHERE {where} "  # noqa: S608
            "AND answered_at IS NOT NULL"),
            args).scalar()
        reminded = db.session.execute(text(
            f"SELECT count(*) FROM pulse_request WHERE {where} AND id IN "  # noqa: S608
            "(SELECT request_id FROM pulse_reminder WHERE sent_at IS NOT NULL)"), args).scalar()
    return sent, answered, reminded


def test_rates_per_quarter_match_a_recount_for_the_firm_and_each_account(app, make, accounts):
    acme, globex = accounts
    # Acme (Tokyo): 31 Dec 2026 23:30 UTC is 1 Jan 2027 08:30 there: Q1 2027 for Acme,
    # Q4 2026 for the firm (UTC)
    _pulse(app, make, acme[0], datetime(2026, 12, 31, 23, 30, tzinfo=UTC), answer=True)
    _pulse(app, make, acme[1], datetime(2026, 11, 2, 9, 0, tzinfo=UTC), remind=True)
    _pulse(app, make, acme[2], datetime(2026, 11, 3, 9, 0, tzinfo=UTC), remind=True, answer=True)
    _pulse(app, make, acme[3], datetime(2026, 8, 3, 9, 0, tzinfo=UTC))
    _pulse(app, make, globex[0], datetime(2027, 1, 5, 9, 0, tzinfo=UTC), answer=True)
    _pulse(app, make, globex[1], datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
    with app.app_context():
        acme_id = acme[0].organization_id
        firm = quarterly_rates(now=NOW)
        tokyo = quarterly_rates(organization_id=acme_id, zone_name="Asia/Tokyo", now=NOW)
    assert [q.label for q in firm] == ["Q2 2026", "Q3 2026", "Q4 2026", "Q1 2027"]
    for quarter in firm:
        assert (quarter.sent, quarter.answered, quarter.reminded) == _recount(
            app, quarter.start, quarter.end)
    for quarter in tokyo:
        assert (quarter.sent, quarter.answered, quarter.reminded) == _recount(
            app, quarter.start, quarter.end, acme_id)
    assert [(q.sent, q.answered, q.reminded) for q in firm] == [
        (0, 0, 0), (1, 0, 0), (4, 2, 2), (1, 1, 0)]
    assert [(q.sent, q.answered, q.reminded) for q in tokyo] == [
        (0, 0, 0), (1, 0, 0), (2, 1, 2), (1, 1, 0)]
    assert firm[2].rate == Fraction(1, 2) and firm[2].meets_bar
    assert firm[0].rate is None and not firm[0].meets_bar
    assert tokyo[3].start == datetime(2027, 1, 1, tzinfo=UTC) - timedelta(hours=9)


def test_the_page_shows_the_bar_the_window_timezone_and_n(app, make, accounts, signed_in):
    acme, _ = accounts
    _pulse(app, make, acme[0], datetime.now(UTC) - timedelta(days=1))
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    page = browser.get("/staff/pulses").get_data(as_text=True)
    assert Fraction(1, 5) == AWARD_RESPONSE_RATE_BAR
    assert "Response rate by quarter" in page
    assert "quarters in UTC" in page and "the 20% response rate staffing award programmes" in page
    assert "Sent (n)" in page
    account = browser.get(f"/staff/pulses?organization_id={acme[0].organization_id}")
    assert "quarters in Asia/Tokyo" in account.get_data(as_text=True)
