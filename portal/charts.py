"""Server-side SVG charts (pygal), the same in pages and PDFs, with pygal's script removed.

Every text a chart shows passes through chart_label() first. pygal sizes its margins from its
labels, and with a label wider than the chart its title wrapping loops for ever (a 71-character
milestone title once held a worker and grew it to gigabytes), so no label reaches pygal unbounded.
"""

import math
import unicodedata
from dataclasses import dataclass

import pygal
from markupsafe import Markup
from pygal.style import Style

GREEN, AMBER, RED = "#1b6e3a", "#8a5300", "#a3261b"  # the bands' colours, as on the pages

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#1d2430",
    foreground_strong="#1d2430", foreground_subtle="#5b6472",
    font_family="system-ui, sans-serif", label_font_size=13, major_label_font_size=13,
    value_font_size=12, title_font_size=14, colors=("#1f4e79", "#8a5300", "#1b6e3a"),
)

# Columns an axis or legend label may take (a wide character takes two): at pygal's estimate of
# 0.6 em a column, 40 leave more than half of a 720-pixel chart to the plot and its titles.
LABEL_COLUMNS = 40
# A chart's widths in SVG units: at 360 a 390-pixel phone draws the 13-unit text at about 12 pixels.
WIDE, NARROW = 720, 360
# The longest text of the chart's description for screen readers, per item.
DESCRIPTION_COLUMNS = 160
ELLIPSIS = "…"
# Bidirectional overrides and isolates: they could make a label read as something else.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _columns(character: str) -> int:
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def _shown(character: str) -> bool:
    """Whether a character may appear in a label: XML allows it and it is not a control."""
    return (unicodedata.category(character) not in ("Cc", "Cs")
            and character not in BIDI_CONTROLS and character not in "\ufffe\uffff")


def chart_label(text: object, columns: int = LABEL_COLUMNS) -> str:
    """`text` as one line of at most `columns` columns, only characters XML and a reader can
    take, cut with an ellipsis: what any chart may be given as a label."""
    whole = str(text)
    head = whole[: 4 * columns]  # enough for any label once spaces are collapsed
    line = " ".join("".join(c if _shown(c) else " " for c in head).split())
    if len(head) == len(whole) and sum(map(_columns, line)) <= columns:
        return line
    used, kept = len(ELLIPSIS), []
    for character in line:
        used += _columns(character)
        if used > columns:
            break
        kept.append(character)
    return "".join(kept).rstrip() + ELLIPSIS


def finite(value: float | None, *, low: float, high: float) -> float | None:
    """A value a chart can draw: within its axis range, None for a missing or non-number."""
    if value is None or not math.isfinite(value):
        return None
    return min(max(value, low), high)


def whole_days(days: float) -> str:
    """A number of days for an axis or a bar: signed, whole, and never "-0" or "+0"."""
    whole = round(days)
    return f"{whole:+d}" if whole else "0"


def integer_ticks(low: float, high: float, most: int) -> list[int]:
    """At most `most` whole-number ticks covering low..high and 0, none repeated, one step
    apart: the smallest step of 1, 2 or 5 times a power of ten that keeps them to `most`."""
    low, high = min(math.floor(low), 0), max(math.ceil(high), 0)
    step = 1
    while True:
        for multiple in (1, 2, 5):
            size = step * multiple
            first, last = low // size, -(-high // size)
            if last - first + 1 <= max(most, 3):  # -1, 0 and 1 steps always fit
                return [n * size for n in range(first, last + 1)]
        step *= 10


@dataclass(frozen=True)
class WideAndNarrow:
    """A chart drawn twice: wide for screens and paper, narrow for phones (the wide one scaled
    down to a phone shows 5-pixel text)."""

    wide: Markup
    narrow: Markup


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
