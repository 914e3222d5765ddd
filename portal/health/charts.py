"""The health charts: a sparkline per account on the list and the weekly trend on its page."""

from datetime import date

import pygal
from markupsafe import Markup

from portal.charts import STYLE, render_svg


def sparkline(trend: list[tuple[date, int | None]]) -> Markup | None:
    """A small line of the last weeks' scores (0-100), no axes; None with under two points."""
    if sum(score is not None for _, score in trend) < 2:
        return None
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, width=120, height=32,
        range=(0, 100), show_legend=False, show_x_labels=False, show_y_labels=False,
        show_dots=False, margin=2, spacing=0, show_x_guides=False, show_y_guides=False,
        explicit_size=True,
    )
    chart.add("Score", [score for _, score in trend])
    words = ", ".join("—" if s is None else str(s) for _, s in trend)
    return render_svg(chart, f"Weekly scores, oldest first: {words}")


def trend_chart(points: list[tuple[str, int | None]], *, green_from: int,
                amber_from: int) -> Markup | None:
    """The weekly score with the band thresholds as lines, for the account page."""
    if not points:
        return None
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, width=720, height=280,
        range=(0, 100), show_dots=True, legend_at_bottom=True, x_label_rotation=0,
        truncate_label=-1, show_minor_x_labels=False,
        x_labels_major_every=max(1, len(points) // 8),
    )
    chart.x_labels = [label for label, _ in points]
    chart.add("Health score", [score for _, score in points])
    chart.add(f"Green from {green_from}", [green_from] * len(points), show_dots=False,
              stroke_style={"dasharray": "4, 4"})
    chart.add(f"Red below {amber_from}", [amber_from] * len(points), show_dots=False,
              stroke_style={"dasharray": "4, 4"})
    words = "; ".join(f"{label}: {'—' if s is None else s}" for label, s in points)
    return render_svg(chart, f"Health score by week. {words}")
