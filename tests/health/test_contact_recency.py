"""Contact recency: days since the last two-way contact (a touchpoint, a client question first
answered, a weekly review), 100 within the target, falling linearly to 0 at 4× the target.
Hand-computed examples; each counts what had been recorded before `as_of`, as it stood then."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.health import contact_metrics, snapshots, weeks
from portal.health.models import HealthReview, HealthSnapshot, Metric, Mood
from portal.health.scoring import DEFAULT_WEIGHTS, HealthConfig
from portal.projects.models import Question
from portal.touchpoints import services
from portal.touchpoints.models import TouchpointKind

THIS_WEEK = weeks.week_start(date.today())
AS_OF = weeks.week_begins_at(THIS_WEEK)  # this Monday 00:00 UTC: every factory row is later
TARGET = 21


@pytest.fixture
def acme(app, make) -> int:
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp")
    with app.app_context():
        return db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))


def _log(org_id: int, *, on: date, recorded: datetime, removed: datetime | None = None) -> None:
    staff = db.session.scalar(select(User).where(User.email == "priya@firm.example"))
    touchpoint = services.log_touchpoint(
        db.session.get(Organization, org_id), by=staff, kind=TouchpointKind.CALL,
        occurred_on=on, staff=staff, client_people="Jordan", note="", client_summary=None,
        now=recorded)
    if removed is not None:
        services.remove_touchpoint(touchpoint, by=staff, now=removed)
    db.session.commit()


def _result(org_id: int, as_of: datetime = AS_OF):
    return contact_metrics.contact_recency([org_id], as_of, target_days=TARGET)[org_id]


def test_the_score_by_hand_from_one_call_35_days_before(app, acme):
    # n = 1 contact, the latest before as_of; 35 days > 21: 100 × (84 − 35) / (84 − 21)
    # = 4900 / 63 = 77.78, rounded half up to 78.
    with app.app_context():
        _log(acme, on=AS_OF.date() - timedelta(days=35), recorded=AS_OF - timedelta(days=34))
        result = _result(acme)
    assert result.score == 78
    assert result.inputs == (
        f"Last two-way contact {AS_OF.date() - timedelta(days=35):%-d %b %Y} (a touchpoint), "
        f"35 days before {AS_OF.date():%-d %b %Y}; target every 21 days (100), 84 days or more "
        f"scores 0, linear between → 77.8; contact is a touchpoint, a client question answered "
        f"or a weekly review; days in UTC")


def test_the_rule_at_its_edges():
    assert contact_metrics.contact_score(0, 21) == 100
    assert contact_metrics.contact_score(21, 21) == 100
    assert contact_metrics.contact_score(22, 21) == pytest.approx(100 * 62 / 63)
    assert contact_metrics.contact_score(84, 21) == 0
    assert contact_metrics.contact_score(400, 21) == 0


def test_no_contact_at_all_is_not_enough_data_rather_than_a_score(app, acme):
    with app.app_context():
        result = _result(acme)
    assert result.score is None and result.inputs.startswith("Not enough data: no two-way")


def test_a_question_answered_or_a_review_is_two_way_contact_too(app, make, acme):
    project = make.project("Acme Corp")
    question = make.question(project, author=make.user("kim@acme.example",
                                                       organization="Acme Corp"))
    with app.app_context():
        row = db.session.get(Question, question.id)
        row.asked_at = AS_OF - timedelta(days=31)
        row.first_answered_at = AS_OF - timedelta(days=30)
        db.session.commit()
        # 30 days: 100 × (84 − 30) / 63 = 85.71 → 86
        assert _result(acme).score == 86
        assert "(a question answered)" in _result(acme).inputs
        reviewer = db.session.scalar(select(User).where(User.email == "priya@firm.example"))
        db.session.add(HealthReview(
            organization_id=acme, week_start=THIS_WEEK - timedelta(days=7), reviewer=reviewer,
            mood=Mood.GOOD, next_action="Call", next_action_on=AS_OF.date(), score=None,
            created_at=AS_OF - timedelta(days=2)))
        db.session.commit()
        assert _result(acme).score == 100 and "(a weekly review)" in _result(acme).inputs


def test_history_is_never_rewritten_by_a_later_log_or_removal(app, acme):
    with app.app_context():
        _log(acme, on=AS_OF.date() - timedelta(days=35), recorded=AS_OF - timedelta(days=34))
        # Logged after as_of, though dated before it: not known that Monday.
        _log(acme, on=AS_OF.date() - timedelta(days=3), recorded=AS_OF + timedelta(hours=1))
        assert _result(acme).score == 78
        assert _result(acme, AS_OF + timedelta(days=1)).score == 100
        # Known that Monday and removed later: it counted then and still does for that Monday.
        _log(acme, on=AS_OF.date() - timedelta(days=5), recorded=AS_OF - timedelta(days=5),
             removed=AS_OF + timedelta(hours=2))
        assert _result(acme).score == 100
        assert "5 days before" in _result(acme).inputs
        # Removed before as_of: gone by then.
        _log(acme, on=AS_OF.date() - timedelta(days=10), recorded=AS_OF - timedelta(days=10),
             removed=AS_OF - timedelta(days=9))
        assert "5 days before" in _result(acme).inputs


def test_a_backfilled_week_is_scored_as_it_stood_and_explained(app, acme, signed_in):
    config = HealthConfig(weights=dict(DEFAULT_WEIGHTS), active=(
        Metric.CONTACT_RECENCY, Metric.SATISFACTION, Metric.LOYALTY), contact_target_days=TARGET)
    with app.app_context():
        _log(acme, on=AS_OF.date() - timedelta(days=35), recorded=AS_OF - timedelta(days=34))
        snapshots.snapshot_week(THIS_WEEK, alert=False, config=config)
        db.session.commit()
        _log(acme, on=AS_OF.date() - timedelta(days=1), recorded=AS_OF + timedelta(days=1))
        snapshots.snapshot_week(THIS_WEEK, alert=False, config=config)  # a rescore later
        db.session.commit()
        snapshot = db.session.scalar(select(HealthSnapshot))
        kept = {m["metric"]: m for m in snapshot.metrics}["contact_recency"]
    assert kept["score"] == 78 and "35 days before" in kept["inputs"]
    page = signed_in("priya@firm.example").get(f"/staff/health/{acme}").get_data(as_text=True)
    assert "Contact recency" in page and "Last two-way contact" in page
    assert "35 days before" in page and "target every 21 days (100)" in page
