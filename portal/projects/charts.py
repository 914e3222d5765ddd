"""Charts of a project: its milestones against their first planned dates."""


from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pygal
from markupsafe import Markup

from portal.charts import (
    DESCRIPTION_COLUMNS,
    LABEL_COLUMNS,
    STYLE,
    chart_label,
    integer_ticks,
    render_svg,
    whole_days,
)
from portal.plain_text import counted
from portal.projects.models import Milestone

EARLY, LATE, ON_TIME = "#1b6e3a", "#a3261b", "#1f4e79"
COLUMN_PIXELS = 8  # pygal's estimate of a 13-pixel character, rounded up


class Layout(NamedTuple):
    """A chart's width in SVG units, the columns its milestone names may take, its axis title."""

    width: int
    label_columns: int
    title: str


WIDE = Layout(720, LABEL_COLUMNS,
              "Days against the first planned date (left of 0 = early, right = late)")
# At 360 units a 390-pixel phone draws the 13-unit text at about 12 pixels.
NARROW = Layout(360, 20, "Days (− early, + late)")


def _days_against_plan(milestone: Milestone) -> int | None:
    if milestone.planned_on is None:
        return None
    delivered = milestone.completed_on or milestone.eta
    return (delivered - milestone.planned_on).days if delivered else None


@dataclass(frozen=True)
class DriftChart:
    """The chart drawn twice: wide for screens and paper, narrow for phones (its text stays
    readable there: a wide chart scaled down to a phone shows 6-pixel text)."""

    wide: Markup
    narrow: Markup


def milestone_drift_chart(milestones: list[Milestone]) -> DriftChart | None:
    """Each milestone's delivery (or current ETA) against its first planned date, in days."""
    rows = tuple((m.title, m.is_done, d) for m in milestones
                 if (d := _days_against_plan(m)) is not None)
    return drift_chart(rows) if rows else None


def drift_chart(rows: tuple[tuple[str, bool, int], ...]) -> DriftChart:
    """The chart of (title, done, days against plan) rows, drawn for screens and for phones."""
    return DriftChart(wide=_drift_svg(rows, WIDE), narrow=_drift_svg(rows, NARROW))


def _label(title: str, done: bool, columns: int) -> str:
    """The title, bounded, and whether its date is a delivery or an ETA (7 columns)."""
    return f"{chart_label(title, columns - 7)} ({'done' if done else 'ETA'})"


def _in_words(title: str, days: int) -> str:
    if days == 0:
        return f"{chart_label(title, DESCRIPTION_COLUMNS)}: on time"
    late = f"{counted(abs(days), 'day')} {'late' if days > 0 else 'early'}"
    return f"{chart_label(title, DESCRIPTION_COLUMNS)}: {late}"


def _ticks(days: list[int], layout: Layout) -> list[int]:
    """Whole days along the axis, as many as fit side by side without touching."""
    widest = max(len(whole_days(d)) for d in (min(days + [0]), max(days + [0])))
    plot = layout.width - layout.label_columns * COLUMN_PIXELS - 40
    return integer_ticks(min(days), max(days), int(plot // ((widest + 2) * COLUMN_PIXELS)))


@lru_cache(maxsize=1024)
def _drift_svg(rows: tuple[tuple[str, bool, int], ...], layout: Layout) -> Markup:
    """The chart for these (title, done, days) rows. Cached per process: pygal took about a
    quarter of the project page's time, and the rows change only when a milestone does."""
    chart = pygal.HorizontalBar(
        style=STYLE, show_legend=False, js=[], disable_xml_declaration=True,
        width=layout.width, height=90 + 44 * len(rows), print_values=True, show_y_guides=False,
        x_title=layout.title, value_formatter=whole_days, truncate_label=layout.label_columns,
    )
    chart.x_labels = [_label(title, done, layout.label_columns)
                      for title, done, _ in reversed(rows)]
    chart.y_labels = _ticks([d for _, _, d in rows], layout)
    chart.add("Days", [
        {"value": d, "color": LATE if d > 0 else EARLY if d < 0 else ON_TIME}
        for _, _, d in reversed(rows)
    ])
    summary = "; ".join(_in_words(title, d) for title, _, d in rows)
    return render_svg(chart, f"Milestones against their first planned dates. {summary}")
