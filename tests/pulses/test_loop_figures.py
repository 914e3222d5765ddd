"""The retained rate and the time to close the loop on /staff/pulses, recomputed by hand from
the rows with queries of the test's own."""

import math
import statistics
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.pulses import loop, loop_figures, reports, services
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest


def _answer(app, make, user, *, days_ago: float, low: bool) -> int:
    """A pulse answered by `user` that many days ago, every score low or every score high."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    request = make.pulse(user, now=at)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        scores = {q.id: q.scale.bounds[0 if low else 1] for q in pulse.template.questions}
        services.record_answers(pulse, scores=scores, comments={}, now=at)
        db.session.commit()
    return request.id


def _accounts(app, make):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    people = {name: make.user(f"client@{name.lower()}.example", organization=name)
              for name in ("Acme", "Globex", "Initech", "Hooli")}
    _answer(app, make, people["Acme"], days_ago=100, low=True)
    _answer(app, make, people["Acme"], days_ago=80, low=False)  # retained
    _answer(app, make, people["Acme"], days_ago=60, low=True)  # a later low: not its first
    _answer(app, make, people["Globex"], days_ago=90, low=True)
    _answer(app, make, people["Globex"], days_ago=70, low=True)  # not retained
    _answer(app, make, people["Initech"], days_ago=50, low=True)  # no answer since
    _answer(app, make, people["Hooli"], days_ago=40, low=False)  # never low
    return staff


def _by_hand(app) -> tuple[int, int, int]:
    """Per account: its first low pulse in the last 180 days, and whether the next was low."""
    with app.app_context():
        since = datetime.now(UTC) - timedelta(days=181)
        pulses: dict[int, list[tuple[datetime, bool]]] = {}
        for request in db.session.scalars(select(PulseRequest).where(
                PulseRequest.answered_at.is_not(None))):
            answers = db.session.scalars(select(PulseAnswer).where(
                PulseAnswer.request_id == request.id)).all()
            if request.answered_at >= since:
                pulses.setdefault(request.organization_id, []).append(
                    (request.answered_at, any(a.scale.is_low(a.score) for a in answers)))
    low_accounts = followed = retained = 0
    for answered in pulses.values():
        answered.sort()
        lows = [i for i, (_, low) in enumerate(answered) if low]
        if not lows:
            continue
        low_accounts += 1
        if lows[0] + 1 < len(answered):
            followed += 1
            retained += not answered[lows[0] + 1][1]
    return low_accounts, followed, retained


def test_the_retained_rate_is_the_share_of_low_accounts_whose_next_answer_was_not_low(
        app, make, signed_in):
    _accounts(app, make)
    with app.app_context():
        scope = reports.scope_for(since=None, until=None, organization_id=None, project_id=None)
        found = loop_figures.retention(scope)
    assert (found.low_accounts, found.followed, found.retained) == _by_hand(app) == (3, 2, 1)
    assert found.rate == Fraction(1, 2) and found.waiting == 1
    page = " ".join(signed_in("priya@firm.example").get("/staff/pulses").get_data(
        as_text=True).split())
    assert "50%" in page and "of the 3 accounts with a low answer" in page
    assert "1 of 2 answered not low next; 1 not yet" in page


def test_the_time_to_close_the_loop_is_the_median_and_90th_percentile(app, make, signed_in):
    staff = _accounts(app, make)
    with app.app_context():
        priya = db.session.get(User, staff.id)
        follow_ups = db.session.scalars(select(FollowUp).order_by(FollowUp.opened_at)).all()
        assert len(follow_ups) == 5  # five low pulses
        for follow_up, days in zip(follow_ups, (1, 2, 3, 10), strict=False):  # one stays open
            loop.resolve_follow_up(follow_up, by=priya, summary="We called.",
                                   now=follow_up.opened_at + timedelta(days=days))
        db.session.commit()
        scope = reports.scope_for(since=None, until=None, organization_id=None, project_id=None)
        found = loop_figures.time_to_close(scope)
        rows = db.session.execute(select(FollowUp.opened_at, FollowUp.resolved_at)).all()
    took = sorted(r - o for o, r in rows if r is not None)
    assert found.closed == len(took) == 4 and found.still_open == 1
    assert found.median == statistics.median(took) == timedelta(days=2.5)
    assert found.p90 == took[math.ceil(0.9 * len(took)) - 1] == timedelta(days=10)
    page = " ".join(signed_in("priya@firm.example").get("/staff/pulses").get_data(
        as_text=True).split())
    assert "2.5 days" in page and "90th percentile 10.0 days" in page
    assert "over the 4 follow-ups opened in these dates and resolved; 1 still open" in page


def test_with_no_low_answer_the_figures_say_so_rather_than_zero(app, make, signed_in):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    with app.app_context():
        scope = reports.scope_for(since=None, until=None, organization_id=None, project_id=None)
        assert loop_figures.retention(scope).rate is None
        assert loop_figures.time_to_close(scope).median is None
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert "of the 0 accounts with a low answer" in page
