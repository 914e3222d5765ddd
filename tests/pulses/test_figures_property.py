"""Random answer sets against a straightforward implementation written here, with Fractions: the
report's CSAT, NPS and CES (exact and as shown), the health metrics made from them, and the
health score, including the rounding at .5 (half up; away from zero for a negative NPS)."""

import math
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.accounts.models import Organization
from portal.auth.services import find_user_by_email
from portal.extensions import db
from portal.health import metrics
from portal.health.models import Metric
from portal.health.scoring import DEFAULT_WEIGHTS, MetricResult, combine
from portal.pulses import reports
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, Trigger
from portal.web import numbers

AS_OF = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday: every answer below is in its last week
SCOPE = reports.Scope(since=date(2026, 9, 1), until=date(2026, 10, 31))
MIN_ANSWERS = 3  # the health metrics' own minimum, restated: below it a metric has no score

answer_sets = st.lists(st.tuples(st.integers(1, 5), st.integers(0, 10), st.integers(1, 7)),
                       min_size=1, max_size=16)


def half_up(value: Fraction) -> int:
    """Round half away from zero, by the definition: |x| + ½, floored, with x's sign."""
    return int(math.copysign(math.floor(abs(value) + Fraction(1, 2)), value))


def one_decimal(value: Fraction) -> str:
    tenths = half_up(value * 10)
    return f"{tenths // 10}.{tenths % 10}"


def reference(answers: list[tuple[int, int, int]]) -> dict:
    """The standard definitions, computed the plain way."""
    n = len(answers)
    csat = Fraction(sum(1 for c, _, _ in answers if c >= 4), n)
    promoters = sum(1 for _, p, _ in answers if p >= 9)
    detractors = sum(1 for _, p, _ in answers if p <= 6)
    nps = Fraction(100 * promoters - 100 * detractors, n)
    ces = Fraction(sum(e for _, _, e in answers), n)
    enough = n >= MIN_ANSWERS
    scores = {
        Metric.SATISFACTION: half_up(100 * csat) if enough else None,
        Metric.LOYALTY: half_up((nps + 100) / 2) if enough else None,
        Metric.EFFORT: half_up(100 * (ces - 1) / 6) if enough else None,
    }
    counted = {m: s for m, s in scores.items() if s is not None}
    weight = sum(DEFAULT_WEIGHTS[m] for m in counted)
    score = (half_up(Fraction(sum(s * DEFAULT_WEIGHTS[m] for m, s in counted.items()), weight))
             if weight else None)
    return {"csat": csat, "nps": nps, "ces": ces, "metrics": scores, "score": score,
            "shown": (f"{half_up(100 * csat)}%", f"{half_up(nps):+d}", one_decimal(ces))}


def find_user_by_email_in(app, email: str):
    with app.app_context():
        return find_user_by_email(email)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer_sets)
@example([(5, 10, 5), (5, 9, 5), (5, 9, 5), (4, 8, 5), (4, 7, 4), (1, 7, 4), (2, 0, 3),
          (3, 5, 3)])  # 62.5%, +12.5, 4.25
@example([(5, 10, 5), (5, 9, 5), (4, 8, 5), (4, 7, 5), (1, 7, 4), (1, 0, 4), (2, 5, 3),
          (3, 6, 3)])  # −12.5
def test_report_figures_metrics_and_score_match_the_plain_definitions(app, make, answers):
    if find_user_by_email_in(app, "jordan@acme.example") is None:
        make.user("jordan@acme.example", organization="Acme Corp")
    with app.app_context():
        db.session.execute(delete(FollowUp))
        db.session.execute(delete(PulseAnswer))
        db.session.execute(delete(PulseRequest))
        user = find_user_by_email("jordan@acme.example")
        start = AS_OF - timedelta(days=2)
        for i, (csat, nps, ces) in enumerate(answers):
            request = pulses.request_pulse(user, trigger=Trigger.CLOSEOUT,
                                           now=start + timedelta(minutes=2 * i))
            by_scale = {"csat": csat, "nps": nps, "ces": ces}
            pulses.record_answers(
                request, comments={}, now=start + timedelta(minutes=2 * i + 1),
                scores={q.id: by_scale[q.scale.value] for q in request.template.questions})
        db.session.commit()
        figures = reports.figures(SCOPE)
        org = db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))
        found = {m.metric: m for m in (metrics.satisfaction([org], AS_OF)[org],
                                       metrics.loyalty([org], AS_OF)[org],
                                       metrics.effort([org], AS_OF)[org])}
    expected = reference(answers)
    assert (figures.csat_share, figures.nps, figures.ces_mean) == (
        expected["csat"], expected["nps"], expected["ces"])
    shown = (numbers.percent(figures.csat_share), numbers.signed(figures.nps),
             numbers.decimals(figures.ces_mean))
    assert shown == expected["shown"]
    assert {m: r.score for m, r in found.items()} == expected["metrics"]
    assert combine(list(found.values()), DEFAULT_WEIGHTS).score == expected["score"]


metric_scores = st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=len(Metric),
                         max_size=len(Metric))
weights = st.lists(st.integers(1, 50), min_size=len(Metric), max_size=len(Metric))
EXTRA = len(Metric) - 8  # metrics added after the example was written: no data, weight 10


@settings(max_examples=300)
@given(metric_scores, weights)
@example([100, 75, 75, 31, None, None, None, None] + [None] * EXTRA,
         [25, 20, 10, 15, 10, 10, 10, 10] + [10] * EXTRA)
def test_the_health_score_is_the_weighted_mean_rounded_half_up_once(scores, raw_weights):
    by_metric = dict(zip(Metric, raw_weights, strict=True))
    results = [MetricResult(m, s, "") for m, s in zip(Metric, scores, strict=True)]
    counted = [(s, by_metric[m]) for m, s in zip(Metric, scores, strict=True) if s is not None]
    expected = (half_up(Fraction(sum(s * w for s, w in counted), sum(w for _, w in counted)))
                if counted else None)
    assert combine(results, by_metric).score == expected


@settings(max_examples=300)
@given(st.integers(-10_000, 10_000), st.integers(1, 400), st.integers(0, 3))
def test_every_shown_number_rounds_halves_away_from_zero(numerator, denominator, places):
    value = Fraction(numerator, denominator)
    scaled = half_up(value * 10**places)
    assert numbers.rounded(value, places) == Fraction(scaled, 10**places)
    assert numbers.rounded(float(value), places) == numbers.rounded(
        Fraction(repr(float(value))), places)
    assert numbers.signed(value) == f"{half_up(value):+d}"
