"""The pulse trend chart: CSAT and NPS month by month."""

import pygal
from markupsafe import Markup

from portal.charts import STYLE, render_svg


def trend_chart(trend: list[tuple[str, float | None, float | None]]) -> Markup | None:
    """CSAT (share of 4-5, in %) and NPS per month, on one -100..100 scale."""
    if not trend:
        return None
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, width=720, height=300,
        range=(-100, 100), show_dots=True, legend_at_bottom=True, x_label_rotation=0,
        truncate_label=-1,
    )
    chart.x_labels = [month for month, _, _ in trend]
    csat = [None if c is None else round(100 * c) for _, c, _ in trend]
    nps = [None if n is None else round(n) for _, _, n in trend]
    chart.add("CSAT % satisfied", csat)
    chart.add("NPS", nps)
    summary = "; ".join(
        f"{month}: CSAT {'—' if c is None else f'{c}%'}, NPS {'—' if n is None else n}"
        for (month, _, _), c, n in zip(trend, csat, nps, strict=True)
    )
    return render_svg(chart, f"Pulse trend by month. {summary}")
