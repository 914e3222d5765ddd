"""History is history: what happens today (a changed answer, a deactivated user, a new
answer) never moves a past week's health snapshot when the weeks are computed again."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth import services as auth
from portal.auth.models import Deactivation, Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.health import metrics, snapshots
from portal.health.models import HealthSnapshot
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger

JOINED_DAYS_BEFORE = 120


@pytest.fixture
def before(this_monday) -> Callable[[float], datetime]:
    """That many days before this Monday 00:00 UTC, which this week's snapshot is as of."""
    return lambda days: this_monday - timedelta(days=days)


def _signed_in(user: User, at: datetime) -> None:
    db.session.add(AuditEvent(action="auth.signed_in", actor=user,
                              organization_id=user.organization_id, created_at=at))


def _scores(request: PulseRequest, csat: int, nps: int, ces: int) -> dict[int, int]:
    by_scale = {"csat": csat, "nps": nps, "ces": ces}
    return {q.id: by_scale[q.scale.value] for q in request.template.questions}


def _closeout(user: User, sent: datetime, answered: tuple | None = None,
              at: datetime | None = None) -> PulseRequest:
    """A closeout pulse (never held) sent then, answered with (csat, nps, ces) at `at`."""
    request = pulses.request_pulse(user, trigger=Trigger.CLOSEOUT, now=sent)
    if answered:
        pulses.record_answers(request, scores=_scores(request, *answered), comments={}, now=at)
    return request


@pytest.fixture
def acme(make, before):
    """Acme's owner, an admin, and four client users who joined four months ago."""
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    admin = make.user("morgan@firm.example", role=Role.ADMIN, name="Morgan Reyes")
    clients = [make.user(f"{name.lower()}@acme.example", organization="Acme Corp", name=name)
               for name in ("Jordan", "Casey", "Sam", "Alex")]
    with make.app.app_context():
        db.session.scalars(select(Organization)).one().account_owner_id = owner.id
        for user in clients:
            db.session.get(User, user.id).created_at = before(JOINED_DAYS_BEFORE)
        db.session.commit()
    return {"owner": owner, "admin": admin, "clients": [c.id for c in clients]}


def _stored_weeks() -> list[tuple]:
    return [(s.organization_id, s.week_start, s.score, s.band, s.metrics)
            for s in db.session.scalars(select(HealthSnapshot).order_by(
                HealthSnapshot.organization_id, HealthSnapshot.week_start))]


def test_deactivating_a_client_who_never_signed_in_leaves_past_weeks_alone(app, acme, before):
    with app.app_context():
        jordan, casey = (db.session.get(User, i) for i in acme["clients"][:2])
        for user_id in acme["clients"][2:]:  # Acme is Jordan and Casey here
            auth.record_active(db.session.get(User, user_id), False,
                               now=before(JOINED_DAYS_BEFORE))
        for days in (2, 9, 16, 23):
            _signed_in(jordan, before(days))
        snapshots.backfill(4)
        db.session.commit()
        stored = _stored_weeks()
        engagement = {m["metric"]: m for m in stored[-1][4]}["engagement"]
        assert "1 of 2 client users signed in (50%)" in engagement["inputs"]

        accounts.set_active(casey, False, by=db.session.get(User, acme["admin"].id))
        db.session.commit()
        snapshots.backfill(4)
        db.session.commit()
        assert _stored_weeks() == stored
        now = metrics.engagement([jordan.organization_id], utcnow())[jordan.organization_id]
    assert "1 of 1 client users signed in (100%)" in now.inputs  # from today on, she is gone


def test_a_reactivated_user_counts_outside_her_deactivation_only(app, acme, before):
    with app.app_context():
        users = [db.session.get(User, i) for i in acme["clients"]]
        org = users[0].organization_id
        auth.record_active(users[1], False, now=before(30))
        auth.record_active(users[1], True, now=before(20))
        auth.record_active(users[1], False, now=before(10))
        db.session.commit()
        spans = db.session.execute(select(Deactivation.deactivated_at, Deactivation.reactivated_at)
                                   .order_by(Deactivation.id)).all()

        def users_at(days: float) -> str:
            return metrics.engagement([org], before(days))[org].inputs

        assert spans == [(before(30), before(20)), (before(10), None)]
        assert "of 4 client users" in users_at(35) and "of 3 client users" in users_at(25)
        assert "of 4 client users" in users_at(15) and "of 3 client users" in users_at(5)


def test_pulses_sent_to_a_user_count_while_she_counts_as_a_user(app, acme, before):
    with app.app_context():
        casey = db.session.get(User, acme["clients"][1])
        org = casey.organization_id
        for days in (20, 18, 16):  # three pulses, none answered
            _closeout(casey, before(days))
        auth.record_active(casey, False, now=before(10))
        db.session.commit()
        while_active = metrics.engagement([org], before(12))[org].inputs
        after = metrics.engagement([org], before(5))[org].inputs
    assert "0 of 3 pulses answered (0%); 0 of 4 client users signed in" in while_active
    assert "0 of 3 client users signed in (0%); 0 pulses sent" in after


# --- the property: edits dated today never move a stored week ----------------------------

EDITS = st.lists(st.one_of(
    st.tuples(st.just("change"), st.integers(0, 5), st.integers(1, 5), st.integers(0, 10),
              st.integers(1, 7)),
    st.tuples(st.just("deactivate"), st.integers(0, 3)),
    st.tuples(st.just("reactivate"), st.integers(0, 3)),
    st.tuples(st.just("answer"), st.integers(0, 2), st.integers(1, 5), st.integers(0, 10),
              st.integers(1, 7)),
    st.tuples(st.just("new"), st.integers(0, 3), st.integers(1, 5), st.integers(0, 10),
              st.integers(1, 7)),
), min_size=1, max_size=8)


@pytest.fixture
def five_weeks(app, acme, before):
    """Five weeks of answers, unanswered pulses and sign-ins, with their snapshots stored."""
    with app.app_context():
        users = [db.session.get(User, i) for i in acme["clients"]]
        answered, waiting = [], []
        for k, days in enumerate((3, 8, 12, 17, 22, 30)):
            scores = ((5, 10, 7), (2, 3, 2), (4, 8, 5), (1, 6, 3), (5, 9, 6), (3, 7, 4))[k]
            request = _closeout(users[k % 4], before(days + 1), scores, before(days))
            answered.append(request.id)
        for k, days in enumerate((2, 6, 11)):
            waiting.append(_closeout(users[k], before(days)).id)
        for k, days in enumerate((1, 5, 13, 20, 27)):
            _signed_in(users[k % 3], before(days))
        snapshots.backfill(5)
        db.session.commit()
        return {"answered": answered, "waiting": waiting, "stored": _stored_weeks()}


def _apply(edit: tuple, five_weeks: dict, acme: dict) -> None:
    """One edit, dated now, through the same services the pages use."""
    kind, which, *scores = edit
    admin = db.session.get(User, acme["admin"].id)
    if kind in ("deactivate", "reactivate"):
        user = db.session.get(User, acme["clients"][which])
        accounts.set_active(user, kind == "reactivate", by=admin)
        return
    if kind == "new":
        request = _closeout(db.session.get(User, acme["clients"][which]), utcnow())
    else:
        ids = five_weeks["answered" if kind == "change" else "waiting"]
        request = db.session.get(PulseRequest, ids[which % len(ids)])
    pulses.record_answers(request, scores=_scores(request, *scores), comments={})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_edits_dated_today_never_change_a_stored_week(app, acme, five_weeks, edits):
    with app.app_context():
        try:
            for edit in edits:
                _apply(edit, five_weeks, acme)
            snapshots.backfill(5)
            db.session.flush()
            assert _stored_weeks() == five_weeks["stored"]
        finally:
            db.session.rollback()
