"""The milestone drift chart counts whole days on its axis, each labelled once, half up."""

import re

from hypothesis import given
from hypothesis import strategies as st

from portal.projects.charts import _drift_svg, whole_day_ticks


def test_a_drift_of_one_or_two_days_has_one_tick_a_day():
    svg = _drift_svg((("Inventory", True, -1), ("Pipelines", True, -2), ("Parallel run", True, 1)))
    numbers = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
               if re.fullmatch(r"[+-]?\d+", t)]
    # Each axis tick once (-2, -1, 0, +1), then each bar's own value: no "-0" or "+0".
    assert numbers == ["-2", "-1", "0", "+1", "+1", "-2", "-1"]
    assert whole_day_ticks([-1, -2, 1]) == [-2, -1, 0, 1]


@given(st.lists(st.integers(-400, 400), min_size=1, max_size=30))
def test_ticks_are_whole_days_around_zero_and_few(days):
    ticks = whole_day_ticks(days)
    assert 0 in ticks and len(ticks) <= 12 and len(set(ticks)) == len(ticks)
    assert ticks[0] <= min(days) and ticks[-1] >= max(days)
