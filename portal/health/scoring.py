"""The score from metric results: a weighted mean over the metrics that have data, and bands.

Pure functions, no database: the property tests and the explanation page use them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from portal.health.models import Band, Metric, coverage_percent
from portal.web.numbers import Number, round_half_up


@dataclass(frozen=True)
class MetricResult:
    """One metric for one account at one moment: its 0-100 score (None: not enough data),
    the raw inputs in words, and, once combined, its weight and the points it contributes."""

    metric: Metric
    score: int | None
    inputs: str
    weight: int = 0
    points: float | None = None

    @property
    def name(self) -> str:
        return self.metric.label

    @property
    def has_data(self) -> bool:
        return self.score is not None

    def as_dict(self) -> dict:
        """The JSON kept in a snapshot."""
        return {"metric": self.metric.value, "score": self.score, "inputs": self.inputs,
                "weight": self.weight, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict) -> MetricResult:
        return cls(metric=Metric(data["metric"]), score=data["score"], inputs=data["inputs"],
                   weight=data["weight"], points=data["points"])


def not_enough_data(metric: Metric, inputs: str) -> MetricResult:
    """A metric left out of the score: it says why, and never carries a number."""
    return MetricResult(metric, None, f"Not enough data: {inputs}")


@dataclass(frozen=True)
class HealthScore:
    """The combined score with the metrics that made it, ready to explain."""

    score: int | None
    exact: float | None
    metrics: tuple[MetricResult, ...]
    weight_counted: int

    @property
    def left_out(self) -> tuple[MetricResult, ...]:
        return tuple(m for m in self.metrics if not m.has_data)

    @property
    def weight_total(self) -> int:
        """The weight of every metric that counts, with data or not."""
        return sum(m.weight for m in self.metrics)

    @property
    def coverage(self) -> int | None:
        """The share (%) of the weight carried by metrics with data."""
        return coverage_percent(self.weight_counted, self.weight_total)

    def stands(self, min_coverage: int) -> bool:
        """Whether the score stands: metrics with data carry at least `min_coverage`% of the
        weight, compared exactly in integers (thin data shows "not enough data" instead)."""
        return self.score is not None and \
            100 * self.weight_counted >= min_coverage * self.weight_total


def combine(results: list[MetricResult], weights: dict[Metric, int]) -> HealthScore:
    """Weighted mean of the metrics with data; their weights are rescaled to add up to 100%.

    Each metric's points are score × weight / (sum of the weights of metrics with data), so the
    points add up to the score. The score is computed from whole numbers (the sum of score ×
    weight over the sum of the weights) and rounded half up once: summed float points can land
    a hair under x.5 (74.49999999999999) and round the wrong way. With no metric having data
    there is no score at all.
    """
    counted = sum(weights[r.metric] for r in results if r.has_data)
    combined = []
    for result in results:
        weight = weights[result.metric]
        points = (float(Fraction(result.score * weight, counted))
                  if result.has_data and counted else None)
        combined.append(replace(result, weight=weight, points=points))
    if not counted:
        return HealthScore(None, None, tuple(combined), 0)
    total = sum(r.score * weights[r.metric] for r in results if r.has_data)
    exact = min(Fraction(100), max(Fraction(0), Fraction(total, counted)))
    return HealthScore(round_half_up(exact), float(exact), tuple(combined), counted)


def band_of(score: int | None, *, green_from: int, amber_from: int) -> Band | None:
    """Green from `green_from`, amber from `amber_from`, red below; None without a score."""
    if score is None:
        return None
    if score >= green_from:
        return Band.GREEN
    return Band.AMBER if score >= amber_from else Band.RED


def clamp_score(value: Number) -> int:
    """A metric's 0-100 score from a computed value, rounded half up."""
    return round_half_up(min(100, max(0, value)))


DEFAULT_WEIGHTS = {
    Metric.SATISFACTION: 25, Metric.LOYALTY: 10, Metric.PROMISES: 20,
    Metric.COMMUNICATION: 20, Metric.RECOVERY: 10, Metric.ENGAGEMENT: 10, Metric.EFFORT: 10,
    Metric.RESPONSIVENESS: 15, Metric.SELECTION_FIT: 15,
    Metric.CONTACT_RECENCY: 10, Metric.VALUES_LIVED: 10,
}
DEFAULT_ACTIVE = (Metric.SATISFACTION, Metric.LOYALTY, Metric.PROMISES, Metric.COMMUNICATION,
                  Metric.ENGAGEMENT, Metric.RESPONSIVENESS)
MIN_ACTIVE, MAX_ACTIVE = 3, 7


@dataclass(frozen=True)
class HealthConfig:
    """What the admin chose: weights, the active metrics (in display order) and thresholds."""

    weights: dict[Metric, int]
    active: tuple[Metric, ...]
    green_from: int = 75
    amber_from: int = 50
    response_target_days: int = 1
    min_coverage: int = 50
    contact_target_days: int = 21  # the firm's contact rhythm (portal.touchpoints.models)

    def band(self, score: int | None) -> Band | None:
        return band_of(score, green_from=self.green_from, amber_from=self.amber_from)


DEFAULT_CONFIG = HealthConfig(weights=dict(DEFAULT_WEIGHTS), active=DEFAULT_ACTIVE)
