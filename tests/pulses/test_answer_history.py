"""A changed pulse answer keeps its history: dated when first given, every change kept as a
revision staff can see, its follow-up told the truth, and no report or week rewritten."""

import threading
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.health import snapshots
from portal.health.models import HealthSnapshot
from portal.notifications.models import MessageKind, OutboxMessage
from portal.pulses import reports
from portal.pulses import services as pulses
from portal.pulses.models import AnswerRevision, FollowUp, PulseAnswer, PulseRequest, Trigger
from tests.support.rows import count_rows

NOV18, NOV20, NOV22 = (datetime(2026, 11, day, 15, tzinfo=UTC) for day in (18, 20, 22))
DEC1 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
NOVEMBER = reports.Scope(since=date(2026, 11, 1), until=date(2026, 11, 30))
DECEMBER = reports.Scope(since=date(2026, 12, 1), until=date(2026, 12, 31))


@pytest.fixture
def acme(make):
    """Acme with its owner and three client users who joined in September."""
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    users = [make.user(f"{name.lower()}@acme.example", organization="Acme Corp", name=name)
             for name in ("Jordan", "Sam", "Alex")]
    with make.app.app_context():
        org = db.session.scalars(select(Organization)).one()
        org.account_owner_id = owner.id
        for user in users:
            db.session.get(User, user.id).created_at = datetime(2026, 9, 1, tzinfo=UTC)
        db.session.commit()
    return {"owner": owner, "jordan": users[0], "sam": users[1], "alex": users[2]}


def _scores(request: PulseRequest, csat: int, nps: int, ces: int) -> dict[int, int]:
    by_scale = {"csat": csat, "nps": nps, "ces": ces}
    return {q.id: by_scale[q.scale.value] for q in request.template.questions}


def _answered_closeout(user_id: int, at: datetime, csat: int, nps: int, ces: int) -> int:
    """A closeout pulse (never held) sent two days before `at` and answered at `at`."""
    request = pulses.request_pulse(db.session.get(User, user_id), trigger=Trigger.CLOSEOUT,
                                   now=at - timedelta(days=2))
    pulses.record_answers(request, scores=_scores(request, csat, nps, ces), comments={}, now=at)
    return request.id


def _change(request_id: int, at: datetime, csat: int, nps: int, ces: int, **kwargs) -> None:
    request = db.session.get(PulseRequest, request_id)
    pulses.record_answers(request, scores=_scores(request, csat, nps, ces), now=at, **kwargs)


def _november(app, acme) -> int:
    """Three answers in November, Jordan's unhappy one on 22 Nov; the id of Jordan's pulse."""
    with app.app_context():
        _answered_closeout(acme["sam"].id, NOV18, 5, 10, 7)
        _answered_closeout(acme["alex"].id, NOV20, 4, 9, 6)
        jordan = _answered_closeout(acme["jordan"].id, NOV22, 2, 3, 2)
        db.session.commit()
        return jordan


def _by_hand(scope: reports.Scope) -> dict:
    """The report's figures recomputed from the rows, in Python, by the standard definitions."""
    rows = db.session.execute(select(PulseAnswer.answered_at, PulseAnswer.scale,
                                     PulseAnswer.score)).all()
    inside = [(scale.value, score) for at, scale, score in rows if scope.start <= at < scope.end]
    nps = [s for scale, s in inside if scale == "nps"]
    sent = [at for (at,) in db.session.execute(select(PulseRequest.sent_at))
            if scope.start <= at < scope.end]
    return {"answers": len(inside), "nps_answers": len(nps), "sent": len(sent),
            "nps": 100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)
            if nps else None}


def _report(scope: reports.Scope) -> dict:
    f = reports.figures(scope)
    return {"answers": f.answers, "nps_answers": f.nps_answers, "sent": f.sent, "nps": f.nps}


def test_an_answer_changed_on_1_december_stays_in_novembers_report(app, acme):
    jordan_pulse = _november(app, acme)
    with app.app_context():
        november_before, december_before = _report(NOVEMBER), _report(DECEMBER)
        _change(jordan_pulse, DEC1, 5, 9, 7, comments={})
        db.session.commit()
        november, december = _report(NOVEMBER), _report(DECEMBER)
        assert november == _by_hand(NOVEMBER) and december == _by_hand(DECEMBER)
        answered = reports.figures(NOVEMBER).answered
        request = db.session.get(PulseRequest, jordan_pulse)
        first_given = {a.answered_at for a in request.answers}
    # Still 9 answers and "3 of 3 answered" in November, now with Jordan's NPS 9: +33 → +100.
    assert november_before["answers"] == november["answers"] == 9 and answered == 3
    assert (november_before["nps"], november["nps"]) == (Fraction(100, 3), 100)
    assert december_before == december == {"answers": 0, "nps_answers": 0, "sent": 0,
                                            "nps": None}
    assert first_given == {NOV22} and request.answered_at == NOV22


def test_each_change_is_a_revision_saying_who_when_and_what(app, acme):
    jordan_pulse = _november(app, acme)
    with app.app_context():
        _change(jordan_pulse, DEC1, 5, 9, 7, comments={})
        _change(jordan_pulse, DEC1 + timedelta(hours=1), 5, 9, 7, comments={})  # the same again
        db.session.commit()
        revisions = db.session.execute(
            select(PulseAnswer.scale, AnswerRevision.old_score, AnswerRevision.new_score,
                   AnswerRevision.changed_at, AnswerRevision.changed_by_id)
            .join(PulseAnswer).order_by(AnswerRevision.id)).all()
    assert [(s.value, old, new) for s, old, new, _, _ in revisions] == [
        ("csat", 2, 5), ("nps", 3, 9), ("ces", 2, 7)]  # sending the same again changes nothing
    assert {(at, by) for *_, at, by in revisions} == {(DEC1, acme["jordan"].id)}


def test_a_health_backfill_keeps_past_weeks_when_an_answer_changes(app, acme):
    jordan_pulse = _november(app, acme)

    def weeks() -> list[tuple]:
        snapshots.backfill(4, today=DEC1.date())
        db.session.flush()
        return [(s.week_start, s.score, s.band, s.metrics) for s in db.session.scalars(
            select(HealthSnapshot).order_by(HealthSnapshot.week_start))]

    with app.app_context():
        before = weeks()
        _change(jordan_pulse, DEC1, 5, 9, 7, comments={})
        after = weeks()
        snapshots.backfill(1, today=DEC1.date() + timedelta(days=7))
        next_week = db.session.scalars(select(HealthSnapshot).where(
            HealthSnapshot.week_start == date(2026, 12, 7))).one()
    assert [w for w, *_ in after] == [date(2026, 11, d) for d in (9, 16, 23, 30)]
    assert after == before
    loyalty = {m["metric"]: m for m in next_week.metrics}["loyalty"]
    assert "NPS +100 from 3 answers" in loyalty["inputs"]  # the change counts from its own day


def _answer_link(app, request_id: int) -> str:
    with app.test_request_context():
        return f"/pulses/{pulses.answer_token(db.session.get(PulseRequest, request_id))}"


def test_a_low_answer_changed_to_high_says_no_longer_low_and_closes_in_one_click(
        app, acme, make, client, signed_in, post_form):
    request = make.pulse(acme["jordan"])  # the periodic pulse: NPS, then CSAT
    link = _answer_link(app, request.id)
    with app.app_context():
        nps, csat = db.session.get(PulseRequest, request.id).template.questions
    post_form(client, link, {f"q{nps.id}": "3", f"q{csat.id}": "2"})
    with app.app_context():  # three days pass: the follow-up is overdue
        follow_up = db.session.scalars(select(FollowUp)).one()
        follow_up.due_at = utcnow() - timedelta(days=1)
        db.session.commit()
        assert follow_up.reason == "Low score: NPS 3, CSAT 2"
    staff = signed_in("priya@firm.example")
    assert "overdue" in staff.get("/").get_data(as_text=True).split("Unhappy answers")[1]

    post_form(client, link, {f"q{nps.id}": "9", f"q{csat.id}": "5"})
    today = f"{utcnow():%-d %b}"
    sams = make.pulse(acme["sam"])  # a low answer due later, still to act on: listed first
    post_form(client, _answer_link(app, sams.id), {f"q{nps.id}": "2", f"q{csat.id}": "4"})
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up.id)
        assert follow_up.resolved_at is None and follow_up.no_longer_low_at is not None
        assert follow_up.reason == (f"No longer low: changed to NPS 9, CSAT 5 on {today} "
                                    "(was NPS 3, CSAT 2)")
    for path in ("/", "/staff/pulses"):
        page = staff.get(path).get_data(as_text=True)
        listed = page.split("Unhappy answers" if path == "/" else "<h2>Follow-ups")[1]
        listed = listed.split("<h2>")[0]
        assert f"No longer low: changed to NPS 9, CSAT 5 on {today}" in listed
        assert "no longer low</span>" in listed and "overdue" not in listed
        assert "Low score: NPS 3" not in listed
        assert listed.index("Low score: NPS 2") < listed.index("No longer low")
    report = staff.get("/staff/pulses").get_data(as_text=True)
    changed = report.split("<h2>Changed answers")[1].split("<h2>")[0]
    assert "NPS 3 → 9" in changed and "CSAT 2 → 5" in changed and "Jordan" in changed

    closed = post_form(staff, f"/staff/follow-ups/{follow_up.id}/close", {"next": "home"}, "/")
    assert closed.status_code == 302 and closed.headers["Location"] == "/"
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up.id)
        assert follow_up.resolved_by_id == acme["owner"].id
        assert follow_up.resolution.startswith("Closed: the answer is no longer low.")
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.target_type == "FollowUp", AuditEvent.target_id == follow_up.id,
        )) == "follow_up.closed_no_longer_low"
    assert "No longer low" not in staff.get("/staff/pulses").get_data(as_text=True)


def test_a_follow_up_low_again_cannot_be_closed_as_no_longer_low(app, acme, signed_in,
                                                                 post_form):
    jordan_pulse = _november(app, acme)
    with app.app_context():
        _change(jordan_pulse, DEC1, 5, 9, 7, comments={})
        _change(jordan_pulse, DEC1 + timedelta(days=1), 5, 4, 7, comments={})
        db.session.commit()
        follow_up = db.session.scalars(select(FollowUp)).one()
        assert follow_up.no_longer_low_at is None
        assert follow_up.reason == "Low score: NPS 4"
    staff = signed_in("priya@firm.example")
    refused = post_form(staff, f"/staff/follow-ups/{follow_up.id}/close", {}, "/staff/pulses")
    assert refused.status_code == 302
    assert "The answer is low again" in staff.get("/staff/pulses").get_data(as_text=True)
    assert count_rows(app, FollowUp, FollowUp.resolved_at.is_(None)) == 1


def test_a_happy_answer_changed_to_low_opens_a_follow_up_like_a_new_low_answer(app, acme):
    with app.app_context():
        sam_pulse = _answered_closeout(acme["sam"].id, NOV18, 5, 10, 7)
        db.session.commit()
        assert db.session.scalar(select(FollowUp.id)) is None
        _change(sam_pulse, DEC1, 5, 2, 7, comments={})
        db.session.commit()
        follow_up = db.session.scalars(select(FollowUp)).one()
        emails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.FOLLOW_UP_OPENED)).all()
    assert follow_up.reason == "Low score: NPS 2" and follow_up.opened_at == DEC1
    assert follow_up.owner_id == acme["owner"].id and len(emails) == 1


def test_two_changes_of_the_same_answer_at_once_both_leave_a_revision(app, acme):
    with app.app_context():
        jordan_pulse = _answered_closeout(acme["jordan"].id, NOV22, 2, 3, 2)
        db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def change(nps: int) -> None:
        with app.app_context():
            request = db.session.get(PulseRequest, jordan_pulse)
            scores = _scores(request, 2, nps, 2)
            barrier.wait()
            try:
                pulses.record_answers(request, scores=scores, comments={})
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                errors.append(error)

    threads = [threading.Thread(target=change, args=(nps,)) for nps in (7, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        chain = db.session.execute(select(AnswerRevision.old_score, AnswerRevision.new_score)
                                   .order_by(AnswerRevision.id)).all()
        final = db.session.scalar(select(PulseAnswer.score).where(
            PulseAnswer.scale == "nps"))
    assert len(chain) == 2 and chain[0][0] == 3 and chain[1][0] == chain[0][1]
    assert final == chain[1][1] and {chain[0][1], chain[1][1]} == {7, 9}


def test_a_client_never_sees_the_changes_list(app, acme, signed_in):
    client = signed_in("jordan@acme.example")
    assert client.get("/staff/pulses").status_code == 404
