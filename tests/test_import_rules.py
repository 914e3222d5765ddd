"""The layout's import rules, read from the code as Python reads it: each module's import
statements are parsed (relative ones resolved, those inside functions included), not grepped,
and followed from module to module. One test per rule; the walker below is shared."""

import ast
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("accounts", "auth", "projects", "pulses", "health", "closeout", "content",
            "notifications", "audit", "home")


def module_name(path: Path) -> str:
    """portal/web/live.py -> portal.web.live; portal/web/__init__.py -> portal.web."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def portal_modules() -> dict[str, Path]:
    """Every module of the portal package, by dotted name."""
    return {module_name(path): path for path in (ROOT / "portal").rglob("*.py")}


def _portal_module(name: str) -> str | None:
    """The portal module a dotted name is or lives in (`portal.x.services.fn` ->
    `portal.x.services`); None outside the portal."""
    while name not in portal_modules():
        if "." not in name:
            return None
        name = name.rpartition(".")[0]
    return name


def _imported_names(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: `from . import x` in portal/web/a.py is portal.web.x
        anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        base = f"{anchor}.{base}" if base else anchor
    # `from a import b` imports module a.b when there is one, else the name b from a.
    return [f"{base}.{alias.name}" for alias in node.names]


@cache
def imports_of(module: str) -> frozenset[str]:
    """The portal modules `module` imports itself, at the top or inside a function."""
    path = portal_modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.update(_portal_module(name) for name in _imported_names(node, package))
    return frozenset(found - {None, module})


def import_chains(start: str) -> dict[str, list[str]]:
    """Every portal module `start` imports, directly or through others, with the shortest
    chain of imports that gets there."""
    chains, queue = {start: [start]}, deque([start])
    while queue:
        current = queue.popleft()
        for imported in sorted(imports_of(current)):
            if imported not in chains:
                chains[imported] = [*chains[current], imported]
                queue.append(imported)
    return chains


def forbidden_imports(modules: list[str], forbidden: Callable[[str], bool]) -> list[str]:
    """Each chain by which one of `modules` reaches a forbidden module, up to the first one."""
    return sorted(" -> ".join(chain) for module in modules
                  for chain in import_chains(module).values()
                  if forbidden(chain[-1]) and not any(map(forbidden, chain[1:-1])))


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_feature(module: str) -> bool:
    return any(in_package(module, f"portal.{feature}") for feature in FEATURES)


def test_the_walker_reads_imports_as_python_does():
    chains = import_chains("portal.web.errors")
    assert chains["portal.web.redaction"] == ["portal.web.errors", "portal.web.redaction"]
    assert "portal.extensions" in imports_of("portal.web.errors")
    assert "portal.content.services" in imports_of("portal.content.views")  # `from x import m`
    assert {"portal.auth.models", "portal.access"} <= imports_of("portal.projects.views")
    relative = ast.parse("from . import live\nfrom ..db import utcnow").body
    assert [_portal_module(name) for node in relative
            for name in _imported_names(node, "portal.web")] == ["portal.web.live", "portal.db"]


def test_the_web_glue_imports_no_feature_even_through_another_module():
    web = [name for name in portal_modules() if in_package(name, "portal.web")]
    assert len(web) >= 8
    broken = forbidden_imports(web, is_feature)
    assert not broken, "portal/web imports a feature:\n" + "\n".join(broken)


def test_models_import_no_services_or_views_even_through_another_module():
    models = [name for name in portal_modules() if name.endswith(".models")]
    assert len(models) >= 9
    broken = forbidden_imports(
        models, lambda module: module.rpartition(".")[2] in ("services", "views"))
    assert not broken, "a model imports rules or pages:\n" + "\n".join(broken)
