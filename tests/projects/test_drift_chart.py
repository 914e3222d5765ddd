"""The milestone chart's day axis: whole days, each once, never "-0", and spaced so no two
labels run together, on a two-day spread and on a spread of weeks, in both of its widths."""

import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta

import pytest

from portal.charts import integer_ticks
from portal.projects.charts import NARROW, WIDE, milestone_drift_chart
from portal.projects.models import Milestone

SVG = "{http://www.w3.org/2000/svg}"
PLANNED = date(2026, 3, 2)
SMALL, LARGE = (-1, -2, 1, -1), (-3, 9, 10, 11, 12, 40)  # project 3's spread; a long slip


def _milestones(spread: tuple[int, ...]) -> list[Milestone]:
    return [Milestone(title=f"Step {n}", planned_on=PLANNED,
                      completed_on=PLANNED + timedelta(days=days))
            for n, days in enumerate(spread)]


def axis_ticks(svg) -> list[tuple[float, str]]:
    """(x, text) of each label along the day axis."""
    tree = ElementTree.fromstring(str(svg))  # noqa: S314 (our own SVG)
    axis = next(g for g in tree.iter(f"{SVG}g") if g.get("class") == "axis x")
    return [(float(t.get("x")), t.text) for t in axis.iter(f"{SVG}text")]


@pytest.mark.parametrize("spread", [SMALL, LARGE], ids=["small", "large"])
@pytest.mark.parametrize("width", ["wide", "narrow"])
def test_the_day_axis_shows_each_whole_day_once_with_room_between(spread, width):
    ticks = axis_ticks(getattr(milestone_drift_chart(_milestones(spread)), width))
    texts = [text for _, text in ticks]
    assert len(texts) == len(set(texts)) >= 3, texts
    assert "-0" not in texts and "+0" not in texts and "0" in texts
    days = [int(text) for text in texts]  # whole numbers only
    assert days == sorted(days) and days[0] <= min(spread) and days[-1] >= max(spread)
    for (x1, a), (x2, b) in zip(ticks, ticks[1:], strict=False):
        half_widths = (len(a) + len(b)) / 2 * 8  # 13-pixel text: under 8 units a character
        assert x2 - x1 >= half_widths + 6, f"{a} and {b} run together in {texts}"


def test_two_days_early_to_one_late_reads_minus_two_to_plus_one():
    texts = [t for _, t in axis_ticks(milestone_drift_chart(_milestones(SMALL)).wide)]
    assert texts == ["-2", "-1", "0", "+1"]


def test_the_narrow_chart_is_drawn_for_a_phone():
    """At 360 units across, a 390-pixel phone shows its 13-unit text at about 12 pixels."""
    chart = milestone_drift_chart(_milestones(SMALL))
    assert 'viewBox="0 0 360 ' in str(chart.narrow)
    assert 'viewBox="0 0 720 ' in str(chart.wide)
    assert NARROW.width * 11 / 13 <= 390 - 2 * 16 < WIDE.width * 11 / 13


@pytest.mark.parametrize(("low", "high", "most", "expected"), [
    (-2, 1, 10, [-2, -1, 0, 1]),
    (0.4, 0.6, 10, [0, 1]),
    (-3, 40, 6, [-10, 0, 10, 20, 30, 40]),
    (-3, 40, 4, [-20, 0, 20, 40]),
    (-5, 5, 1, [-5, 0, 5]),  # below zero and above: three ticks at least
    (-3_652_059, 5, 4, [-4_000_000, -2_000_000, 0, 2_000_000]),
])
def test_ticks_are_whole_round_numbers_covering_zero(low, high, most, expected):
    assert integer_ticks(low, high, most) == expected


def test_the_charts_words_for_screen_readers_count_one_day_in_the_singular():
    chart = milestone_drift_chart(_milestones((1, -1, 2)))
    for svg in (chart.wide, chart.narrow):
        assert "Step 0: 1 day late; Step 1: 1 day early; Step 2: 2 days late" in str(svg)
