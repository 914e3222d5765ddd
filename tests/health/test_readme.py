"""The README's "Account health" section says what the code does: the metric table names the
metrics the code has, with the windows, thresholds and minimums the code uses."""

import re
from pathlib import Path

import pytest

from portal.health import contact_metrics, metrics, selection_fit
from portal.health.models import Metric
from portal.health.scoring import DEFAULT_CONFIG
from portal.projects.track_record import PROMISE_NOTICE_DAYS

README = Path(__file__).resolve().parents[2] / "README.md"
NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                10: "ten", 11: "eleven", 12: "twelve"}


def _section() -> str:
    text = README.read_text()
    start = text.index("## Account health")
    return text[start:text.index("\n## ", start + 1)]


def _rows() -> dict[str, list[str]]:
    """The metric table: the metric's name → its cells (counts, window, scored)."""
    rows = {}
    for line in _section().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] not in ("metric", "---"):
            rows[cells[0]] = cells[1:]
    return rows


def test_the_table_names_every_metric_the_code_has_and_no_other():
    assert set(_rows()) == {metric.label for metric in Metric}
    assert f"The {NUMBER_WORDS[len(Metric)]} metrics" in _section()


WINDOWS = {
    Metric.SATISFACTION: f"last {metrics.CSAT_DAYS} days",
    Metric.LOYALTY: f"last {metrics.NPS_DAYS} days",
    Metric.EFFORT: f"last {metrics.CES_DAYS} days",
    Metric.RECOVERY: f"last {metrics.RECOVERY_DAYS} days",
    Metric.ENGAGEMENT: f"last {metrics.ENGAGEMENT_DAYS} days",
    Metric.RESPONSIVENESS: f"last {metrics.RESPONSE_DAYS} days",
    Metric.PROMISES: "all delivered before",
    Metric.COMMUNICATION: "the moment",
    Metric.SELECTION_FIT: f"last {selection_fit.WINDOW_DAYS} days",
    Metric.CONTACT_RECENCY: "the latest before",
    Metric.VALUES_LIVED: f"last {contact_metrics.VALUES_DAYS} days",
}


@pytest.mark.parametrize("metric", list(Metric))
def test_each_row_gives_the_codes_window(metric):
    assert WINDOWS[metric] in _rows()[metric.label][1]


def test_the_rules_in_the_table_are_the_codes_numbers():
    rows = {label: " ".join(cells) for label, cells in _rows().items()}
    minimum = f"at least {metrics.MIN_ANSWERS}"
    for label in ("Satisfaction", "Loyalty", "Promises kept", "Effort", "Responsiveness"):
        assert minimum in rows[label], label
    assert f"{minimum} pulses sent" in rows["Engagement"]  # else sign-ins alone
    assert "sign-in share alone" in rows["Engagement"]
    assert f"/{metrics.HALF_LIFE_DAYS})" in rows["Satisfaction"]
    assert f"every {metrics.HALF_LIFE_DAYS} days" in rows["Satisfaction"]
    assert f"{PROMISE_NOTICE_DAYS}+ days ahead" in rows["Promises kept"]
    assert f"at least {PROMISE_NOTICE_DAYS} days before delivery" in rows["Promises kept"]
    recovery = rows["Recovery"]
    assert f"within {metrics.RECOVERY_TARGET_DAYS} days 100" in recovery
    assert f"0 at {metrics.RECOVERY_ZERO_DAYS}" in recovery
    assert f"lasted more than {metrics.RECOVERY_TARGET_DAYS} days" in recovery
    assert f"0 at {metrics.RESPONSE_ZERO_FACTOR}× the target" in rows["Responsiveness"]
    assert "wait so far" in rows["Responsiveness"] and "working days" in rows["Responsiveness"]
    assert (f"green from {DEFAULT_CONFIG.green_from}, amber from {DEFAULT_CONFIG.amber_from}"
            in _section())


def test_the_scored_rules_match_the_code_on_an_example():
    # Numbers the README's formulas give, computed by the code.
    assert metrics.recovery_score(metrics.RECOVERY_TARGET_DAYS) == 100
    assert metrics.recovery_score(metrics.RECOVERY_ZERO_DAYS) == 0
    assert metrics.responsiveness_score(1, 1) == 100
    assert metrics.responsiveness_score(metrics.RESPONSE_ZERO_FACTOR, 1) == 0
    assert metrics.recency_weight(0) == 1
    assert metrics.recency_weight(1) == 0.5 ** (7 / metrics.HALF_LIFE_DAYS)
    assert re.search(rf"0\.5\^\(7w/{metrics.HALF_LIFE_DAYS}\)", _section())
