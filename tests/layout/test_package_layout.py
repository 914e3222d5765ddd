"""The layout explains itself: auth is who you are (signing in, sessions, two-factor, tokens),
accounts is who may use the portal (users, roles, invitations); no feature package imports
another that imports it back (portal/tasks included: a feature's own jobs live in the feature),
and no view module imports another to reach its blueprint.

Imports are read from the source (an AST walk of portal/), not grepped: an import inside a
function counts, one under `if TYPE_CHECKING:` does not (it never runs), and a feature may
import another's models (the mapper needs both sides of a relationship) without that
counting as a dependency between the packages.
"""

import ast
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import portal
from portal import tasks

PORTAL = Path(portal.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> list[str]:
    """The modules a file imports when it runs (TYPE_CHECKING blocks skipped)."""
    found: list[str] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                walk(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.extend([f"{node.module}.{alias.name}" for alias in node.names]
                         if node.module == "portal" else [node.module])
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    return found


def _sources() -> dict[str, ast.AST]:
    return {_module_name(path): ast.parse(path.read_text(), str(path))
            for path in sorted(PORTAL.rglob("*.py"))}


def _unit(module: str) -> str | None:
    """The package (or top-level module) a module belongs to: portal.auth.views -> auth."""
    parts = module.split(".")
    return parts[1] if parts[0] == "portal" and len(parts) > 1 else None


def _package_dependencies() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) feature packages and tasks, each with the imports that make it."""
    packages = {path.parent.name for path in PORTAL.glob("*/__init__.py")} | {"tasks"}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, tree in _sources().items():
        for name in _imports(tree):
            source, target = _unit(module), _unit(name)
            if name.split(".")[-1] == "models" or ".models." in name:
                continue  # a feature may import another's models
            if source in packages and target in packages and source != target:
                edges[source, target].append(f"{module} imports {name}")
    return edges


def test_no_two_feature_packages_import_each_other():
    edges = _package_dependencies()
    both_ways = {
        f"{a} <-> {b}": edges[a, b] + edges[b, a]
        for a, b in edges if a < b and (b, a) in edges
    }
    assert both_ways == {}


def test_no_view_module_imports_another_view_module():
    views = {module for module in _sources()
             if module.split(".")[-1] == "views" or module.endswith("_views")}
    crossing = sorted(f"{module} imports {name}" for module, tree in _sources().items()
                      if module in views for name in _imports(tree)
                      if any(name == other or name.startswith(other + ".")
                             for other in views - {module}))
    assert crossing == []


def test_the_auth_blueprint_serves_only_identity_pages(app):
    identity = ("/login", "/logout", "/account", "/invitations/", "/admin/security")
    by_blueprint = defaultdict(set)
    for rule in app.url_map.iter_rules():
        by_blueprint[rule.endpoint.partition(".")[0]].add(rule.rule)
    assert {url for url in by_blueprint["auth"] if not url.startswith(identity)} == set()
    administration = {url for urls in by_blueprint.values() for url in urls
                      if url.startswith("/admin/users") or url.endswith("/invite")}
    assert len(administration) == 6
    assert administration <= by_blueprint["accounts"]


def test_views_load_by_id_with_get_or_404_rather_than_spelling_it_out():
    spelled_out = []
    for module, tree in _sources().items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or)
                    and "session.get(" in ast.unparse(node.values[0])
                    and ast.unparse(node.values[-1]).startswith("abort(404")):
                spelled_out.append(f"{module}:{node.lineno}")
    assert spelled_out == []


def test_a_timezone_nobody_knows_shows_times_in_utc():
    from portal.db import zone_or_utc  # one helper for the fallback, not four

    assert zone_or_utc("Europe/Paris").key == "Europe/Paris"
    for unknown in ("Mars/Olympus_Mons", "", "../../etc/passwd", None):
        assert zone_or_utc(unknown).key == "UTC"


# What a huey_consumer worker runs first, started as the README says (portal.tasks.huey).
WORKER = """
import threading
from huey.consumer import Worker
from portal import tasks
Worker(tasks.huey, threading.Event(), 0.1, 1, 1).initialize()
print("\\n".join(sorted(tasks.huey._registry._registry)))
"""


def test_a_worker_started_from_portal_tasks_knows_every_job_the_portal_queues(
        app, database_url):
    env = dict(os.environ, PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY="test-key")
    env.pop("PORTAL_REDIS_URL", None)
    worker = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", WORKER], env=env, capture_output=True,
        text=True, timeout=120, cwd=PORTAL.parent, check=True)
    queued_by_the_app = set(tasks.huey._registry._registry)
    assert {"portal.auth.jobs.send_email_link_task",
            "portal.closeout.jobs.render_closeout_pdf_task"} <= queued_by_the_app
    assert queued_by_the_app <= set(worker.stdout.split())
