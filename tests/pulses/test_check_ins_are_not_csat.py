"""A placement check-in ("How is Maria settling in?") asks about the placed person, not about
the firm's service: staff see it listed as a check-in, and no CSAT, NPS, CES, response rate,
retention or trend figure counts it. A care pulse ("Anything we can help with?") asks about the
service, so it counts as CSAT; values answers are their own table and count in none of these."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.pulses import loop_figures, reports
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger
from portal.pulses.response_rates import quarterly_rates
from portal.touchpoints.timeline import timeline


def _answer(app, user, trigger, scores: dict[str, int], *, at, comment=None, about=None):
    """The user's pulse of this kind, answered with a score per scale (and a comment)."""
    with app.app_context():
        request = pulses.request_pulse(db.session.get(User, user.id), trigger=trigger, now=at,
                                       about=about)
        questions = request.template.questions
        pulses.record_answers(
            request, now=at + timedelta(minutes=5),
            scores={q.id: scores[q.scale.value] for q in questions},
            comments={questions[0].id: comment} if comment else {})
        db.session.commit()
        return request.id


@pytest.fixture
def answered(app, make) -> dict:
    """Acme: a closeout answered happily, a care pulse, and a low check-in about Maria, each
    from its own person (so no fatigue rule holds one); one periodic pulse left unanswered."""
    make.user("priya@firm.example", role=Role.STAFF)
    at = utcnow() - timedelta(days=2)
    people = [make.user(f"{name}@acme.example", organization="Acme Corp")
              for name in ("jordan", "casey", "maya", "sam")]
    ids = {
        "closeout": _answer(app, people[0], Trigger.CLOSEOUT, {"csat": 4, "nps": 9, "ces": 6},
                            at=at, comment="Went well."),
        "care": _answer(app, people[1], Trigger.CARE, {"csat": 5}, at=at,
                        comment="Nothing needed, thanks."),
        "check_in": _answer(app, people[2], Trigger.CHECK_IN, {"csat": 2}, at=at,
                            comment="Maria is struggling with the on-call rota.",
                            about="Maria Lopez"),
    }
    make.pulse(people[3], now=at)
    with app.app_context():
        ids["organization"] = db.session.get(PulseRequest, ids["closeout"]).organization_id
    return ids


def _sql(query: str, **params):
    return db.session.execute(text(query), params).one()


def test_the_report_figures_leave_check_ins_out(app, signed_in, answered):
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    with app.app_context():
        csat_n, csat_top = _sql(
            "SELECT count(*), sum(CASE WHEN a.score >= 4 THEN 1 ELSE 0 END) FROM pulse_answer a "
            "JOIN pulse_request r ON r.id = a.request_id WHERE a.scale = 'csat' "
            "AND r.trigger <> 'check_in'")
        with_check_ins = _sql("SELECT count(*) FROM pulse_answer WHERE scale = 'csat'")[0]
        sent, done = _sql(
            "SELECT count(*), sum(CASE WHEN r.answered_at IS NULL THEN 0 ELSE 1 END) "
            "FROM pulse_request r WHERE r.sent_at IS NOT NULL AND r.trigger <> 'check_in'")
    assert (csat_n, csat_top, with_check_ins) == (2, 2, 3)  # the closeout's and the care pulse's
    assert f"{csat_top} of {csat_n} answers" in page and "100%" in page
    assert f"response rate: {done} of {sent} pulses sent" in page and (done, sent) == (2, 3)
    assert "check-ins are listed as check-ins and counted in none of these figures" in page


def test_check_ins_are_listed_as_check_ins(app, signed_in, answered):
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    comments = page.split("<h2>Comments</h2>")[1]
    assert "Check-in 2</span><br>Maria is struggling" in comments
    assert "CSAT 4</span><br>Went well." in comments
    assert "CSAT 5</span><br>Nothing needed" in comments
    assert "CSAT 2" not in page
    assert "Low score: Check-in 2" in page  # its follow-up: a low check-in is still acted on


def test_the_trend_retention_and_quarterly_rates_leave_check_ins_out(app, answered):
    with app.app_context():
        scope = reports.scope_for(since=None, until=None, organization_id=None, project_id=None)
        trend = reports.monthly_trend(scope)
        retention = loop_figures.retention(scope)
        rates = quarterly_rates()
        sent, done = _sql(
            "SELECT count(*), sum(CASE WHEN r.answered_at IS NULL THEN 0 ELSE 1 END) "
            "FROM pulse_request r WHERE r.sent_at IS NOT NULL AND r.trigger <> 'check_in'")
        low_accounts = _sql(
            "SELECT count(DISTINCT r.organization_id) FROM pulse_answer a JOIN pulse_request r "
            "ON r.id = a.request_id WHERE ((a.scale = 'csat' AND a.score <= 2) OR "
            "(a.scale = 'nps' AND a.score <= 6) OR (a.scale = 'ces' AND a.score <= 3)) "
            "AND r.trigger <> 'check_in'")[0]
    assert [share for _, share, _ in trend] == [1]  # 2 of 2 CSAT answers 4-5, in one month
    assert (retention.low_accounts, low_accounts) == (0, 0)
    assert (sum(q.sent for q in rates), sum(q.answered for q in rates)) == (sent, done) == (3, 2)


def test_the_csv_keeps_check_ins_apart_from_csat(app, signed_in, answered):
    response = signed_in("priya@firm.example").get("/staff/pulses.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    with app.app_context():
        csat = _sql("SELECT count(*) FROM pulse_answer a JOIN pulse_request r "
                    "ON r.id = a.request_id WHERE a.scale = 'csat' AND r.trigger <> 'check_in'")[0]
    assert len(rows) == 5
    assert sum(row["scale"] == "csat" for row in rows) == csat == 2
    check_in = [row for row in rows if row["trigger"] == "check_in"]
    assert [(row["scale"], row["score"]) for row in check_in] == [("check_in", "2")]


def test_the_account_timeline_names_the_check_in(app, answered):
    with app.app_context():
        page = timeline(db.session.get(Organization, answered["organization"]), kinds=["pulse"],
                        page=1)
    titles = [entry.title for entry in page.items]
    assert any(re.search(r"^Check-in pulse to .*: Check-in 2$", t) for t in titles), titles
    assert any(re.search(r"^Care pulse to .*: CSAT 5$", t) for t in titles), titles
