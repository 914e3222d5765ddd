"""Selection fit against a hand-computed example, its "not enough data", and its explanation on
the account's health page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.health import metrics
from portal.health.models import Metric
from portal.health.selection_fit import selection_fit, selection_fit_of
from portal.health.settings import current_config, save_config
from portal.health.snapshots import snapshot_week
from portal.pulses import services as pulses
from portal.pulses.models import Trigger
from portal.selection.models import CandidateDecision
from portal.selection.placement_models import Placement
from tests.selection.placement_setup import acme, presented

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday 00:00 UTC


@pytest.fixture
def people(make):
    return acme(make)


def _organization_id(app, people) -> int:
    with app.app_context():
        return db.session.get(User, people["client"].id).organization_id


def _placed(app, candidate, starts_on: date, left_on: date | None = None) -> None:
    with app.app_context():
        db.session.add(Placement(candidate_id=candidate.id, starts_on=starts_on,
                                 left_on=left_on))
        db.session.commit()


def _check_in_answer(app, people, score: int, at: datetime) -> None:
    with app.app_context(), app.test_request_context():
        manager = db.session.get(User, people["client"].id)
        request = pulses.request_pulse(manager, trigger=Trigger.CHECK_IN, now=at, about="Maria",
                                       email=False)
        question = request.template.questions[0]
        pulses.record_answers(request, scores={question.id: score}, comments={}, now=at)
        db.session.commit()


def _example(app, people):
    """The README's example: interviews 2 of 4, retention 3 of 4, check-ins 5, 4, 2."""
    project, staff = people["project"], people["staff"]
    recent = AS_OF - timedelta(days=60)
    for i, invited in enumerate((True, True, False, False)):
        presented(app, project, f"Recent {i}", at=recent, invited=invited, by=staff)
    # Outside the 365-day window: presented (and invited) too long ago to count.
    old = [presented(app, project, f"Placed {i}", at=AS_OF - timedelta(days=500), invited=True)
           for i in range(5)]
    # Day 90 of each of the first four falls in the window; the last one's has not come yet.
    _placed(app, old[0], date(2026, 1, 5))
    _placed(app, old[1], date(2026, 2, 2))
    _placed(app, old[2], date(2026, 6, 1), left_on=date(2026, 12, 20))  # left after day 90
    _placed(app, old[3], date(2026, 3, 2), left_on=date(2026, 4, 11))  # left on day 40
    _placed(app, old[4], date(2026, 10, 1))
    for score, days_ago in ((5, 80), (4, 50), (2, 20)):
        _check_in_answer(app, people, score, AS_OF - timedelta(days=days_ago))


def test_selection_fit_matches_the_hand_computed_example(app, people):
    _example(app, people)
    org = _organization_id(app, people)
    with app.app_context():
        result = selection_fit([org], AS_OF)[org]
    # interviews 2/4 = 50; retention 3/4 = 75; check-ins mean 11/3 → (11/3 − 1) / 4 = 66.67;
    # (30 × 50 + 40 × 75 + 30 × 66.67) / 100 = 15 + 30 + 20 = 65.
    assert result.score == 65
    assert "2 of 4 candidates presented invited to interview (50%)" in result.inputs
    assert "3 of 4 placements still in place at 90 days (75%)" in result.inputs
    assert "3 check-in answers, mean 3.67 of 5 → 66.7" in result.inputs
    assert "interviews 30, retention 40, check-ins 30" in result.inputs


def test_a_changed_invitation_counts_as_it_stood(app, people):
    _example(app, people)
    org = _organization_id(app, people)
    with app.app_context():
        decision = db.session.scalars(select(CandidateDecision).order_by(
            CandidateDecision.decided_at.desc())).first()
        decision.superseded_at = AS_OF - timedelta(days=1)  # withdrawn before AS_OF
        db.session.commit()
        result = selection_fit([org], AS_OF)[org]
    assert "1 of 4 candidates presented invited" in result.inputs
    # 30 × 25 + 40 × 75 + 30 × 66.67 = 750 + 3000 + 2000 → 57.5 → 58 (half up)
    assert result.score == 58


def test_too_little_data_leaves_parts_out_and_says_so(app, people):
    org = _organization_id(app, people)
    for i in range(2):
        presented(app, people["project"], f"Candidate {i}", at=AS_OF - timedelta(days=5),
                  invited=True)
    with app.app_context():
        result = selection_fit([org], AS_OF)[org]
    assert result.score is None and result.inputs.startswith("Not enough data")
    assert "2 of 2 candidates presented" in result.inputs and "each part needs 3" in result.inputs
    # One part with enough data is the score alone, the others named as left out.
    alone = selection_fit_of((0, 0), (4, 3), (2, 9))
    assert alone.score == 75 and "left out with fewer than 3: interviews, check-ins" in (
        alone.inputs)


def test_check_in_answers_count_in_selection_fit_not_in_satisfaction(app, people):
    org = _organization_id(app, people)
    for score, days_ago in ((5, 60), (5, 40), (5, 20)):
        _check_in_answer(app, people, score, AS_OF - timedelta(days=days_ago))
    with app.app_context():
        assert metrics.satisfaction([org], AS_OF)[org].score is None
        assert selection_fit([org], AS_OF)[org].score == 100


def test_the_account_health_page_explains_selection_fit(app, people, make, signed_in):
    _example(app, people)
    org = _organization_id(app, people)
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    with app.app_context():
        config = current_config()
        save_config(weights=config.weights,
                    active={Metric.SATISFACTION, Metric.PROMISES, Metric.SELECTION_FIT},
                    green_from=config.green_from, amber_from=config.amber_from,
                    response_target_days=config.response_target_days,
                    by=db.session.get(User, people["staff"].id))
        db.session.commit()
        snapshot_week(date.today())
        db.session.commit()
    page = signed_in("priya@firm.example").get(f"/staff/health/{org}").get_data(as_text=True)
    assert "Selection fit" in page and "still in place at 90 days" in page
