"""Any input a chart helper can be given draws a chart, quickly: no title, count, date or score
makes pygal loop, explode or write something a page or a PDF cannot carry.

A 71-character milestone title once looped for ever inside pygal and grew the worker to
gigabytes, so each example runs under a hard alarm as well as Hypothesis's deadline: a hang
fails the test in seconds instead of hanging the suite."""

import signal
import unicodedata
import xml.etree.ElementTree as ElementTree
from contextlib import contextmanager
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.charts import LABEL_COLUMNS, chart_label
from portal.health.charts import sparkline
from portal.health.charts import trend_chart as health_trend
from portal.projects.charts import milestone_drift_chart
from portal.projects.models import Milestone
from portal.pulses.charts import trend_chart as pulse_trend

HARD_LIMIT_SECONDS = 10
CHECKS = settings(max_examples=150, deadline=timedelta(seconds=3),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SVG = "{http://www.w3.org/2000/svg}"


class ChartHung(AssertionError):
    """A chart helper was still working when the hard limit passed."""


@contextmanager
def hard_limit(seconds: int = HARD_LIMIT_SECONDS):
    """Interrupt the code inside (pure Python loops included) once `seconds` pass."""
    def interrupt(signum, frame):
        raise ChartHung(f"a chart took more than {seconds} s: it would hold a worker")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


EXTREME_TITLES = [
    "x" * 160, "Milestone " * 16, "漢字" * 80, "\n" * 160, "a\r\nBcc: x@evil.example",
    "e\u0301" * 80, "\u202eevil", "\x00\x0b\x1b[31m", "\ud800 lone surrogate", "\ufffe\uffff",
    "😀" * 100, " " * 160, "",
]
titles = st.sampled_from(EXTREME_TITLES) | st.text(max_size=400)
dates = st.none() | st.dates() | st.sampled_from([date.min, date.max])
scores = (st.none() | st.integers(-10**9, 10**9)
          | st.floats(allow_nan=True, allow_infinity=True))


@st.composite
def milestones(draw) -> Milestone:
    return Milestone(title=draw(titles), planned_on=draw(dates), eta=draw(dates),
                     completed_on=draw(dates))


def assert_drawable(svg) -> None:
    """The SVG parses as XML, encodes as UTF-8 (what a response and a PDF need), and no text
    in it is wider than a label may be unless it is one of the chart's own titles."""
    if svg is None:
        return
    text = str(svg)
    text.encode("utf-8")
    tree = ElementTree.fromstring(text)  # noqa: S314 (our own SVG, checked for well-formedness)
    for element in tree.iter(f"{SVG}text"):
        shown = "".join(element.itertext())
        assert len(shown) <= 2 * LABEL_COLUMNS, shown


@CHECKS
@given(st.lists(milestones(), max_size=40))
def test_any_milestones_draw_a_drift_chart_in_bounded_time(rows):
    with hard_limit():
        chart = milestone_drift_chart(rows)
    for svg in (chart.wide, chart.narrow) if chart else ():
        assert_drawable(svg)


@CHECKS
@given(st.lists(st.tuples(titles, scores), max_size=60),
       st.integers(-10**9, 10**9), st.integers(-10**9, 10**9))
def test_any_weekly_scores_draw_a_health_trend_in_bounded_time(points, green, amber):
    with hard_limit():
        assert_drawable(health_trend(points, green_from=green, amber_from=amber))


@CHECKS
@given(st.lists(st.tuples(dates, scores), max_size=60))
def test_any_weekly_scores_draw_a_sparkline_in_bounded_time(trend):
    with hard_limit():
        assert_drawable(sparkline(trend))


@CHECKS
@given(st.lists(st.tuples(titles, scores, scores), max_size=60))
def test_any_monthly_answers_draw_a_pulse_trend_in_bounded_time(trend):
    with hard_limit():
        assert_drawable(pulse_trend(trend))


@given(titles, st.integers(1, 200))
def test_a_label_is_one_line_within_its_columns(title, columns):
    label = chart_label(title, columns)
    assert "\n" not in label and "\r" not in label
    wide = sum(unicodedata.east_asian_width(c) in ("W", "F") for c in label)
    assert len(label) + wide <= columns
    label.encode("utf-8")


def test_a_160_character_title_draws_the_project_chart():
    """The report's case: the longest title the form allows, on a milestone that slipped."""
    title = "Migrate the reporting warehouse and reconcile every legacy ledger " * 3
    slipped = Milestone(title=title[:160], planned_on=date(2025, 3, 1), eta=date(2025, 3, 9))
    with hard_limit():
        svg = milestone_drift_chart([slipped]).wide
    assert "8 days late" in str(svg)
    assert title[:20] in str(svg)
