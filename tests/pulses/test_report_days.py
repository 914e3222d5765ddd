"""A pulse report about one account counts that account's days: midnight to midnight in its
timezone, daylight saving time included, and says so; the whole firm's report counts UTC days."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.auth.models import Role, User
from portal.extensions import db
from portal.pulses import reports
from portal.pulses import services as pulses
from portal.pulses.models import Trigger

CHICAGO = ZoneInfo("America/Chicago")
NOVEMBER = {"since": date(2026, 11, 1), "until": date(2026, 11, 30), "project_id": None}


def _answered_at(app, user_id: int, at: datetime) -> None:
    """A closeout pulse (never held) sent and answered at `at`: CSAT 5, NPS 10, CES 7."""
    with app.app_context():
        request = pulses.request_pulse(db.session.get(User, user_id), trigger=Trigger.CLOSEOUT,
                                       now=at)
        by_scale = {"csat": 5, "nps": 10, "ces": 7}
        pulses.record_answers(request, comments={}, now=at, scores={
            q.id: by_scale[q.scale.value] for q in request.template.questions})
        db.session.commit()


@pytest.fixture
def chicago(app, make):
    """Acme in Chicago, answering just inside and just outside its November, which ends a day
    of DST in (1 Nov 02:00 CDT → 01:00 CST)."""
    org = make.organization("Acme Corp", timezone="America/Chicago")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    for wall_clock in ((2026, 10, 31, 23, 30),   # 1 Nov 04:30 UTC: October in Chicago
                       (2026, 11, 1, 0, 30),     # 1 Nov 05:30 UTC (CDT, UTC−5): November
                       (2026, 11, 30, 20, 0),    # 1 Dec 02:00 UTC (CST, UTC−6): November
                       (2026, 12, 1, 0, 30)):    # 1 Dec 06:30 UTC: December
        _answered_at(app, jordan.id, datetime(*wall_clock, tzinfo=CHICAGO).astimezone(UTC))
    return org.id


def test_an_accounts_november_is_its_own(app, chicago):
    with app.app_context():
        scope = reports.scope_for(organization_id=chicago, **NOVEMBER)
        assert scope.zone == "America/Chicago"
        assert reports.figures(scope).csat_answers == 2  # the two in November in Chicago
        assert reports.figures(scope).sent == 2
        firm = reports.scope_for(organization_id=None, **NOVEMBER)
        assert firm.zone == "UTC"
        assert reports.figures(firm).csat_answers == 2  # 1 Nov 04:30 and 05:30 UTC
        months = [month for month, *_ in reports.monthly_trend(
            reports.scope_for(organization_id=chicago, since=date(2026, 10, 1),
                              until=date(2026, 12, 31), project_id=None))]
        assert months == ["2026-10", "2026-11", "2026-12"]


def test_the_report_says_whose_days_it_counts(app, chicago, make, signed_in):
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    page = browser.get(f"/staff/pulses?organization_id={chicago}&since=2026-11-01"
                       "&until=2026-11-30").get_data(as_text=True)
    assert "dates in America/Chicago (the account's timezone)" in page
    firm = browser.get("/staff/pulses?since=2026-11-01&until=2026-11-30").get_data(as_text=True)
    assert "dates in UTC" in firm



def test_an_accounts_comments_are_timed_in_its_timezone_and_the_page_says_so(
        app, chicago, make, signed_in):
    """The small print once said "(UTC)" over days counted in Chicago, and a comment made on a
    November evening there was dated 1 December."""
    lee = make.user("lee@acme.example", organization="Acme Corp")
    make.user("priya@firm.example", role=Role.STAFF)
    answered = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with app.app_context():
        request = pulses.request_pulse(db.session.get(User, lee.id), trigger=Trigger.CLOSEOUT,
                                       now=answered)
        pulses.record_answers(request, now=answered,
                              scores={q.id: 5 for q in request.template.questions},
                              comments={request.template.questions[0].id: "Quick replies."})
        db.session.commit()
    page = " ".join(signed_in("priya@firm.example").get(
        f"/staff/pulses?organization_id={chicago}&since=2026-11-01&until=2026-11-30"
    ).get_data(as_text=True).split())
    in_chicago = answered.astimezone(CHICAGO)
    assert f"{in_chicago:%-d %b %Y, %H:%M %Z} · Acme Corp" in page  # 30 Nov 2026, 20:00 CST
    assert "Answers dated 1 Nov 2026 to 30 Nov 2026, times in America/Chicago." in page
    assert "(UTC)" not in page
