"""A score of exactly x.5 rounds up, as the documented rule says, whatever floats would do."""

from portal.health.models import Band, Metric
from portal.health.scoring import DEFAULT_CONFIG, DEFAULT_WEIGHTS, MetricResult, combine


def test_a_score_of_exactly_74_5_is_75_and_green():
    # 100 × 25 + 75 × 20 + 75 × 10 + 31 × 15 = 5215 over 25 + 20 + 10 + 15 = 70: 74.5 exactly.
    # Summed as float points it came to 74.49999999999999 and showed 74, amber.
    results = [
        MetricResult(Metric.SATISFACTION, 100, ""),
        MetricResult(Metric.PROMISES, 75, ""),
        MetricResult(Metric.LOYALTY, 75, ""),
        MetricResult(Metric.RESPONSIVENESS, 31, ""),
    ]
    scored = combine(results, DEFAULT_WEIGHTS)
    assert scored.weight_counted == 70
    assert scored.exact == 74.5
    assert scored.score == 75
    assert DEFAULT_CONFIG.band(scored.score) == Band.GREEN


def test_a_score_just_under_a_half_still_rounds_down():
    # 100 × 25 + 75 × 20 + 75 × 10 + 30 × 15 = 5200 over 70 = 74.2857…
    results = [MetricResult(Metric.SATISFACTION, 100, ""), MetricResult(Metric.PROMISES, 75, ""),
               MetricResult(Metric.LOYALTY, 75, ""), MetricResult(Metric.RESPONSIVENESS, 30, "")]
    assert combine(results, DEFAULT_WEIGHTS).score == 74
