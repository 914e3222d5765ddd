"""Server-side SVG charts (pygal), the same in pages and PDFs, with pygal's script removed."""


import pygal
from markupsafe import Markup
from pygal.style import Style

from portal.projects.models import Milestone

EARLY, LATE, ON_TIME = "#1b6e3a", "#a3261b", "#1f4e79"

_style = Style(
    background="transparent", plot_background="transparent", foreground="#1d2430",
    foreground_strong="#1d2430", foreground_subtle="#5b6472",
    font_family="system-ui, sans-serif", label_font_size=13, major_label_font_size=13,
    value_font_size=12, title_font_size=14, colors=(ON_TIME,),
)


def _svg(chart: pygal.graph.graph.Graph, description: str) -> Markup:
    """Render to SVG without pygal's inline script (tooltips we do not need, CSP we keep)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    tree.set("role", "img")
    tree.set("aria-label", description)
    svg = pygal.etree.etree.tostring(tree, encoding="unicode")
    return Markup(svg)  # noqa: S704 (built by pygal from our numbers; labels are escaped XML)


def _days_against_plan(milestone: Milestone) -> int | None:
    if milestone.planned_on is None:
        return None
    delivered = milestone.completed_on or milestone.eta
    return (delivered - milestone.planned_on).days if delivered else None


def milestone_drift_chart(milestones: list[Milestone]) -> Markup | None:
    """Each milestone's delivery (or current ETA) against its first planned date, in days."""
    rows = [(m, _days_against_plan(m)) for m in milestones]
    rows = [(m, d) for m, d in rows if d is not None]
    if not rows:
        return None
    chart = pygal.HorizontalBar(
        style=_style, show_legend=False, js=[], disable_xml_declaration=True,
        width=720, height=90 + 44 * len(rows), print_values=True, show_y_guides=False,
        x_title="Days against the first planned date (left of 0 = early, right = late)",
        value_formatter=lambda days: f"{days:+.0f}" if days else "0", truncate_label=-1,
    )
    chart.x_labels = [
        f"{m.title} ({'done' if m.is_done else 'ETA'})" for m, _ in reversed(rows)
    ]
    chart.add("Days", [
        {"value": d, "color": LATE if d > 0 else EARLY if d < 0 else ON_TIME}
        for _, d in reversed(rows)
    ])
    summary = "; ".join(
        f"{m.title}: {'on time' if d == 0 else f'{abs(d)} days ' + ('late' if d > 0 else 'early')}"
        for m, d in rows
    )
    return _svg(chart, f"Milestones against their first planned dates. {summary}")
