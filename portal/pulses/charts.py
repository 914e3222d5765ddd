"""The pulse trend chart: CSAT and NPS month by month."""

from fractions import Fraction

import pygal
from markupsafe import Markup

from portal.charts import NARROW, STYLE, WIDE, WideAndNarrow, chart_label, finite, render_svg
from portal.web.numbers import round_half_up


def _rounded(value: Fraction | None, scale: int) -> int | None:
    """A point as the page shows it: rounded half up, like every figure."""
    return None if value is None else round_half_up(scale * value)


def trend_figure(
    trend: list[tuple[str, Fraction | None, Fraction | None]],
) -> WideAndNarrow | None:
    """The trend chart drawn for screens and for phones; None without months."""
    wide, narrow = trend_chart(trend, WIDE), trend_chart(trend, NARROW)
    return None if wide is None or narrow is None else WideAndNarrow(wide, narrow)


def trend_chart(trend: list[tuple[str, Fraction | None, Fraction | None]],
                width: int = WIDE) -> Markup | None:
    """CSAT (share of 4-5, in %) and NPS per month, on one -100..100 scale."""
    if not trend:
        return None
    # A month label takes about 60 units and wants 100 of its own: a narrow chart names fewer.
    every = max(1, -(-len(trend) * 100 // width))
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, width=width, height=300,
        range=(-100, 100), show_dots=True, legend_at_bottom=True, x_label_rotation=0,
        truncate_label=-1, truncate_legend=-1, show_minor_x_labels=False,
        x_labels_major_every=every,
    )
    months = [chart_label(month) for month, _, _ in trend]
    chart.x_labels = months
    csat = [_rounded(finite(c, low=0, high=1), 100) for _, c, _ in trend]
    nps = [_rounded(finite(n, low=-100, high=100), 1) for _, _, n in trend]
    chart.add("CSAT % satisfied", csat)
    chart.add("NPS", nps)
    summary = "; ".join(
        f"{month}: CSAT {'—' if c is None else f'{c}%'}, NPS {'—' if n is None else f'{n:+d}'}"
        for month, c, n in zip(months, csat, nps, strict=True)
    )
    return render_svg(chart, f"Pulse trend by month. {summary}")
