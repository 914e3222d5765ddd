"""The account's health trend: each band line and its legend entry in the band's own colour
(the legend once showed "Green from 75" in brown and "Red below 50" in green)."""

import re
import xml.etree.ElementTree as ElementTree

from portal.charts import GREEN, RED, STYLE
from portal.health.charts import trend_chart

SVG = "{http://www.w3.org/2000/svg}"


def legend_colours(svg) -> dict[str, str]:
    """Each legend entry's text and the colour its swatch (and its series) is drawn in."""
    text = str(svg)
    colours = dict(re.findall(r"\.color-(\d+)[^{]*\{stroke:(#[0-9a-f]{6});fill:#[0-9a-f]{6}\}",
                              text))
    tree = ElementTree.fromstring(text)  # noqa: S314 (our own SVG)
    shown = {}
    for legend in tree.iter(f"{SVG}g"):
        if "legend" in (legend.get("class") or "").split():
            swatch = legend.find(f"{SVG}rect").get("class")
            number = re.search(r"color-(\d+)", swatch).group(1)
            shown["".join(legend.find(f"{SVG}text").itertext())] = colours[number]
    return shown


def test_each_band_line_is_drawn_in_its_bands_colour():
    chart = trend_chart([("6 Oct", 82), ("13 Oct", 71), ("20 Oct", 44)],
                        green_from=75, amber_from=50)
    assert legend_colours(chart) == {
        "Health score": STYLE.colors[0], "Green from 75": GREEN, "Red below 50": RED,
    }
