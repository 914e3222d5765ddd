"""Values lived: the mean of clients' 1-5 answers to "did we live this value?" over the last
90 days, (mean − 1) / 4 on 0..100, at least 3 answers; each answer as it stood at `as_of`."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.content import services as content
from portal.content.models import ValueItem
from portal.extensions import db
from portal.health import contact_metrics, weeks
from portal.pulses import services as pulses
from portal.pulses import values
from portal.pulses.models import PulseRequest, Trigger

THIS_WEEK = weeks.week_start(date.today())
AS_OF = weeks.week_begins_at(THIS_WEEK)


@pytest.fixture
def acme(app, make) -> int:
    for i in range(4):
        make.user(f"client{i}@acme.example", organization="Acme Corp")
    with app.app_context():
        for title in ("Straight talk, early", "Care in the details"):
            content.add_item(ValueItem, by=None, title=title, body="", example="")
        values.save_settings(every=1, asked={v.id for v in values.all_values()})
        db.session.commit()
        return db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))


def _answer(email: str, score: int, days_before: float) -> PulseRequest:
    """A periodic pulse to this person, sent and answered `days_before` as_of."""
    at = AS_OF - timedelta(days=days_before)
    user = db.session.scalar(select(User).where(User.email == email))
    request = pulses.request_pulse(user, trigger=Trigger.PERIODIC, now=at)
    pulses.record_answers(request, comments={}, now=at + timedelta(minutes=5),
                          scores={q.id: 4 for q in request.template.questions},
                          value_score=score, value_comment=None)
    db.session.commit()
    return request


def _lived(org: int, as_of=AS_OF):
    return contact_metrics.values_lived([org], as_of)[org]


def test_the_score_by_hand_from_three_answers(app, acme):
    # n = 3 answers first given in the last 90 days: 5, 4 and 2; mean 11/3 = 3.67;
    # (3.67 − 1) / 4 = 0.667 → 66.67, rounded half up to 67.
    with app.app_context():
        _answer("client0@acme.example", 5, 10)   # the first value asked: Straight talk
        _answer("client1@acme.example", 4, 20)
        _answer("client2@acme.example", 2, 30)
        _answer("client3@acme.example", 1, 91)   # before the window: not counted
        result = _lived(acme)
    assert result.score == 67
    assert result.inputs.startswith(
        "Mean 3.67 of 5 from 3 answers to “did we live this value?” in the last 90 days "
        "(Straight talk, early 3.67 (n=3)); (mean − 1) / 4")


def test_fewer_than_three_answers_is_not_enough_data(app, acme):
    with app.app_context():
        _answer("client0@acme.example", 5, 10)
        _answer("client1@acme.example", 5, 11)
        result = _lived(acme)
    assert result.score is None
    assert result.inputs == "Not enough data: 2 values answers in 90 days (needs 3)"


def test_a_changed_answer_never_rewrites_an_earlier_week(app, acme):
    with app.app_context():
        _answer("client0@acme.example", 5, 10)
        _answer("client1@acme.example", 4, 20)
        changed = _answer("client2@acme.example", 2, 30)
        request = db.session.get(PulseRequest, changed.id)
        pulses.record_answers(request, comments={}, now=AS_OF + timedelta(hours=3),
                              scores={q.id: 4 for q in request.template.questions},
                              value_score=5, value_comment="Better now")
        db.session.commit()
        assert len(request.value_answers) == 2  # the old answer is kept
        assert _lived(acme).score == 67  # as it stood that Monday
        # A week later: 5, 4 and 5, mean 14/3; (14/3 − 1) / 4 = 11/12 → 91.67 → 92.
        assert _lived(acme, AS_OF + timedelta(days=7)).score == 92
