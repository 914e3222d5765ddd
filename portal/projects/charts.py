"""Charts of a project: its milestones against their first planned dates."""


from functools import lru_cache

import pygal
from markupsafe import Markup

from portal.charts import DESCRIPTION_COLUMNS, LABEL_COLUMNS, STYLE, chart_label, render_svg
from portal.projects.models import Milestone
from portal.web.numbers import signed

EARLY, LATE, ON_TIME = "#1b6e3a", "#a3261b", "#1f4e79"


def _days_against_plan(milestone: Milestone) -> int | None:
    if milestone.planned_on is None:
        return None
    delivered = milestone.completed_on or milestone.eta
    return (delivered - milestone.planned_on).days if delivered else None


def milestone_drift_chart(milestones: list[Milestone]) -> Markup | None:
    """Each milestone's delivery (or current ETA) against its first planned date, in days."""
    rows = tuple((m.title, m.is_done, d) for m in milestones
                 if (d := _days_against_plan(m)) is not None)
    return _drift_svg(rows) if rows else None


def _label(title: str, done: bool) -> str:
    """The title, bounded, and whether its date is a delivery or an ETA (7 columns)."""
    return f"{chart_label(title, LABEL_COLUMNS - 7)} ({'done' if done else 'ETA'})"


def _in_words(title: str, days: int) -> str:
    late = "on time" if days == 0 else f"{abs(days)} days {'late' if days > 0 else 'early'}"
    return f"{chart_label(title, DESCRIPTION_COLUMNS)}: {late}"


def whole_day_ticks(days: list[int], most: int = 10) -> list[int]:
    """Axis ticks on whole days, 0 among them, at most about `most`: pygal's own ticks fall
    between days and their labels repeated ("-1 -1 -0 -0 0")."""
    low, high = min(0, *days), max(0, *days)
    step = max(1, -(-(high - low) // most))
    return list(range(low // step * step, high + step, step))


@lru_cache(maxsize=1024)
def _drift_svg(rows: tuple[tuple[str, bool, int], ...]) -> Markup:
    """The chart for these (title, done, days) rows. Cached per process: pygal took about a
    quarter of the project page's time, and the rows change only when a milestone does."""
    chart = pygal.HorizontalBar(
        style=STYLE, show_legend=False, js=[], disable_xml_declaration=True,
        width=720, height=90 + 44 * len(rows), print_values=True, show_y_guides=False,
        x_title="Days against the first planned date (left of 0 = early, right = late)",
        value_formatter=lambda days: signed(days) if days else "0",
        truncate_label=LABEL_COLUMNS,
    )
    chart.y_labels = whole_day_ticks([d for _, _, d in rows])
    chart.x_labels = [_label(title, done) for title, done, _ in reversed(rows)]
    chart.add("Days", [
        {"value": d, "color": LATE if d > 0 else EARLY if d < 0 else ON_TIME}
        for _, _, d in reversed(rows)
    ])
    summary = "; ".join(_in_words(title, d) for title, _, d in rows)
    return render_svg(chart, f"Milestones against their first planned dates. {summary}")
