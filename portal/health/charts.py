"""The health charts: a sparkline per account on the list and the weekly trend on its page."""

from copy import copy
from datetime import date

import pygal
from markupsafe import Markup

from portal.charts import (
    GREEN,
    NARROW,
    RED,
    STYLE,
    WIDE,
    WideAndNarrow,
    chart_label,
    finite,
    render_svg,
)

SPARK_WIDTH, SPARK_HEIGHT, SPARK_MARGIN = 120, 32, 2
# The score, then the band lines in their bands' colours: pygal colours series in this order.
TREND_STYLE = copy(STYLE)
TREND_STYLE.colors = (STYLE.colors[0], GREEN, RED)


def _spark_points(scores: list[int | None]) -> str:
    """The line's points in pygal's own geometry for such a chart (the plot padded by 1/52 of
    its width and of the 0-100 range on each side), skipping weeks without a score."""
    width, height = SPARK_WIDTH - 2 * SPARK_MARGIN, SPARK_HEIGHT - 2 * SPARK_MARGIN
    last = len(scores) - 1
    return " ".join(f"{width * (1 + 50 * i / last) / 52:.2f},{height * (102 - s) / 104:.2f}"
                    for i, s in enumerate(scores) if s is not None)


def sparkline(trend: list[tuple[date, int | None]]) -> Markup | None:
    """A small line of the last weeks' scores (0-100), no axes; None with under two points.

    Drawn by hand, not by pygal: pygal spent about 12 ms and wrote 6 kB of CSS per sparkline,
    most of the accounts list's time and size with hundreds of accounts."""
    scores = [finite(score, low=0, high=100) for _, score in trend]
    if sum(score is not None for score in scores) < 2:
        return None
    words = ", ".join("—" if s is None else str(s) for s in scores)
    return Markup(  # noqa: S704 (numbers we formatted; the label is escaped)
        '<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-label="{label}">'
        '<polyline transform="translate({m}, {m})" points="{points}" fill="none" '
        'stroke="{colour}" stroke-opacity=".8" stroke-width="1"/></svg>'
    ).format(w=SPARK_WIDTH, h=SPARK_HEIGHT, m=SPARK_MARGIN, colour=STYLE.colors[0],
             points=_spark_points(scores), label=f"Weekly scores, oldest first: {words}")


def trend_figure(points: list[tuple[str, int | None]], *, green_from: int,
                 amber_from: int) -> WideAndNarrow | None:
    """The trend chart drawn for screens and for phones; None without weeks."""
    wide, narrow = (trend_chart(points, green_from=green_from, amber_from=amber_from, width=w)
                    for w in (WIDE, NARROW))
    return None if wide is None or narrow is None else WideAndNarrow(wide, narrow)


def trend_chart(points: list[tuple[str, int | None]], *, green_from: int,
                amber_from: int, width: int = WIDE) -> Markup | None:
    """The weekly score with the band thresholds as lines, for the account page."""
    if not points:
        return None
    # A week label takes about 45 units and wants 90 of its own: a narrow chart names fewer.
    every = max(1, -(-len(points) * 90 // width))
    labels = [chart_label(label) for label, _ in points]
    scores = [finite(score, low=0, high=100) for _, score in points]
    chart = pygal.Line(
        style=TREND_STYLE, js=[], disable_xml_declaration=True, width=width, height=280,
        range=(0, 100), show_dots=True, legend_at_bottom=True, x_label_rotation=0,
        truncate_label=-1, truncate_legend=-1, show_minor_x_labels=False,
        x_labels_major_every=every,
    )
    chart.x_labels = labels
    chart.add("Health score", scores)
    for name, threshold in ((f"Green from {green_from}", green_from),
                            (f"Red below {amber_from}", amber_from)):
        chart.add(chart_label(name), [finite(threshold, low=0, high=100)] * len(points),
                  show_dots=False, stroke_style={"dasharray": "4, 4"})
    words = "; ".join(f"{label}: {'—' if s is None else s}"
                      for label, s in zip(labels, scores, strict=True))
    return render_svg(chart, f"Health score by week. {words}")
