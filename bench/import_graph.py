"""The import graph of the portal's packages, drawn from the code for the README.

    .venv/bin/python -m bench.import_graph        (or `make graph`)

Reads every module's imports with the walker tests/layout/test_import_rules.py checks the layout
with (imports inside functions count too), folds modules into their package (portal/web/live.py
is web/), and has Graphviz's dot write docs/import-graph.svg. An arrow points from the importer
to what it imports; red arrows join two units that import each other. The base modules, which
import neither a feature nor web/, are drawn in one box without the arrows into them (nearly
every unit uses db.py and extensions.py); the app factory's arrows are left out too (it
registers every blueprint).
"""

import subprocess
import sys
from pathlib import Path

from tests.layout.test_import_rules import imports_of, is_feature, portal_modules

OUT = Path(__file__).resolve().parent.parent / "docs" / "import-graph.svg"
FACTORY = "__init__.py"
FILL = {"web": "#d9ead3", "feature": "#dbe7f3", "other": "#f2f2f2"}
MUTUAL = ' [color="#c0392b", penwidth=1.4, dir=both]'


def unit_of(module: str) -> str:
    """The box a module is drawn in: its package under portal/, or the module itself."""
    if module == "portal":
        return FACTORY
    name = module.split(".")[1]
    packages = {m for m, path in portal_modules().items() if path.name == "__init__.py"}
    return f"{name}/" if f"portal.{name}" in packages else f"{name}.py"


def edges() -> set[tuple[str, str]]:
    """(importer, imported) between units, each once, none from a unit to itself. Imports of
    another feature's models are left out: the design allows them (a page shows a user's
    name), and drawing them would hide the imports of rules and pages that make a cycle."""
    pairs = {(unit_of(module), unit_of(imported))
             for module in portal_modules() for imported in imports_of(module, lazy=True)
             if not imported.endswith(".models")}
    return {(a, b) for a, b in pairs if a != b}


def _reached(unit: str, links: set[tuple[str, str]]) -> set[str]:
    reached, queue = set(), [unit]
    while queue:
        current = queue.pop()
        for importer, imported in links:
            if importer == current and imported not in reached:
                reached.add(imported)
                queue.append(imported)
    return reached


def _above_base(unit: str) -> bool:
    return unit == "web/" or is_feature("portal." + unit.removesuffix("/"))


def kind(unit: str, links: set[tuple[str, str]]) -> str:
    """web, feature, base (imports, even through others, no feature and not web/) or other."""
    if unit == "web/":
        return "web"
    if _above_base(unit):
        return "feature"
    return "other" if any(map(_above_base, _reached(unit, links))) else "base"


def _caption(base: list[str]) -> str:
    return ("portal/: who imports whom (arrow: importer to imported; red: both ways;"
            " blue: a feature, green: the web glue)\\n"
            "not drawn: imports of another feature's models, which the design allows, and"
            f" the base modules every unit may use ({', '.join(base)})")


def dot_source() -> str:
    """The graph in Graphviz's language."""
    links = edges()
    units = sorted({unit_of(module) for module in portal_modules()})
    kinds = {unit: kind(unit, links) for unit in units}
    base = [unit for unit in units if kinds[unit] == "base"]
    lines = [
        "digraph portal {",
        '  graph [rankdir=TB, ranksep=0.5, nodesep=0.25, fontname="Helvetica", fontsize=12,'
        f' labelloc=t, label="{_caption(base)}"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [color="#888888", arrowsize=0.6];',
        f'  "{FACTORY}" [label="{FACTORY}\\ncreate_app: every blueprint", fillcolor="#ffffff"];',
    ]
    lines += [f'  "{unit}" [fillcolor="{FILL[kinds[unit]]}"];' for unit in units
              if unit not in base and unit != FACTORY]
    drawn = [(a, b) for a, b in sorted(links) if b not in base and a != FACTORY
             and not ((b, a) in links and b < a)]  # a pair that imports both ways: one arrow
    lines += [f'  "{a}" -> "{b}"{MUTUAL if (b, a) in links else ""};' for a, b in drawn]
    return "\n".join([*lines, "}", ""])


def main() -> None:
    """Write docs/import-graph.svg (or the path given) with dot."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    svg = subprocess.run(["dot", "-Tsvg"], input=dot_source(), capture_output=True, text=True,
                         check=True).stdout
    out.write_text(svg)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
