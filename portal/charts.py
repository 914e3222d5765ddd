"""Server-side SVG charts (pygal), the same in pages and PDFs, with pygal's script removed."""

import pygal
from markupsafe import Markup
from pygal.style import Style

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#1d2430",
    foreground_strong="#1d2430", foreground_subtle="#5b6472",
    font_family="system-ui, sans-serif", label_font_size=13, major_label_font_size=13,
    value_font_size=12, title_font_size=14, colors=("#1f4e79", "#8a5300", "#1b6e3a"),
)


def render_svg(chart: pygal.graph.graph.Graph, description: str) -> Markup:
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
