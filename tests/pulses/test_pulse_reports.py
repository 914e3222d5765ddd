"""Staff read pulse results: CSAT, NPS, CES and response rate computed in SQL, and a safe CSV."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from portal.auth.models import Role
from portal.auth.services import find_user_by_email
from portal.extensions import db
from portal.pulses import reports
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, Trigger

WHEN = datetime(2026, 10, 1, 12, tzinfo=UTC)
SCOPE = reports.Scope(since=date(2026, 9, 1), until=date(2026, 10, 31))


def _reference(closeouts: list[tuple[int, int, int]]) -> tuple:
    csat = [c for c, _, _ in closeouts]
    nps = [n for _, n, _ in closeouts]
    ces = [e for _, _, e in closeouts]
    return (
        sum(c >= 4 for c in csat) / len(csat),
        100 * (sum(n >= 9 for n in nps) - sum(n <= 6 for n in nps)) / len(nps),
        sum(ces) / len(ces),
    )


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 10), st.integers(1, 7)),
                min_size=1, max_size=12))
def test_sql_figures_match_the_definitions(app, make, closeouts):
    with app.app_context():
        user = find_user_by_email("jordan@acme.example")
    if user is None:
        make.user("jordan@acme.example", organization="Acme Corp")
    with app.app_context():
        db.session.execute(delete(FollowUp))
        db.session.execute(delete(PulseAnswer))
        db.session.execute(delete(PulseRequest))
        user = find_user_by_email("jordan@acme.example")
        for i, (c, n, e) in enumerate(closeouts):
            request = pulses.request_pulse(user, trigger=Trigger.CLOSEOUT,
                                           now=WHEN + timedelta(hours=i))
            by_scale = {"csat": c, "nps": n, "ces": e}
            pulses.record_answers(
                request, comments={}, now=WHEN + timedelta(hours=i, minutes=5),
                scores={q.id: by_scale[q.scale.value] for q in request.template.questions})
        db.session.commit()
        figures = reports.figures(SCOPE)
    csat, nps, ces = _reference(closeouts)
    assert figures.answers == 3 * len(closeouts)
    assert abs(figures.csat_share - csat) < 1e-9
    assert abs(figures.nps - nps) < 1e-9
    assert abs(figures.ces_mean - ces) < 1e-9
    assert figures.response_rate == 1.0


def test_response_rate_counts_unanswered_pulses(app, make):
    first = make.user("a@acme.example", organization="Acme Corp")
    second = make.user("b@acme.example", organization="Acme Corp")
    answered = make.pulse(first, now=WHEN)
    make.pulse(second, now=WHEN)
    with app.app_context():
        request = db.session.get(PulseRequest, answered.id)
        pulses.record_answers(request, comments={}, now=WHEN,
                              scores={q.id: q.scale.bounds[1] for q in request.template.questions})
        db.session.commit()
        figures = reports.figures(SCOPE)
    assert (figures.sent, figures.answered, figures.response_rate) == (2, 1, 0.5)


def test_the_csv_has_one_row_per_answer_and_never_a_live_formula(app, signed_in, make):
    make.user("priya@firm.example", role=Role.STAFF)
    client = make.user("jordan@acme.example", organization="Acme Corp")
    pulse = make.pulse(client, now=WHEN)
    with app.app_context():
        request = db.session.get(PulseRequest, pulse.id)
        nps, csat = request.template.questions
        pulses.record_answers(request, now=WHEN, scores={nps.id: 10, csat.id: 5},
                              comments={csat.id: '=HYPERLINK("http://evil.example","x")'})
        db.session.commit()
    response = signed_in("priya@firm.example").get(
        "/staff/pulses.csv?since=2026-09-01&until=2026-10-31")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["answered_at", "account", "project"] and len(rows) == 3
    comments = [row[-1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in comments
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_report_page_shows_the_figures_and_a_trend_chart(app, signed_in, make):
    make.user("priya@firm.example", role=Role.STAFF)
    client = make.user("jordan@acme.example", organization="Acme Corp")
    pulse = make.pulse(client, now=WHEN)
    with app.app_context():
        request = db.session.get(PulseRequest, pulse.id)
        pulses.record_answers(request, now=WHEN, comments={},
                              scores={q.id: q.scale.bounds[1] for q in request.template.questions})
        db.session.commit()
    page = signed_in("priya@firm.example").get(
        "/staff/pulses?since=2026-09-01&until=2026-10-31").get_data(as_text=True)
    assert "100%" in page and "+100" in page and 'aria-label="Pulse trend by month.' in page
