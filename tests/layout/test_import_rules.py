"""The layout's import rules, checked by walking the imports in the source (AST), not by grep.

Each rule is its own test. The walker reads `import` and `from ... import` statements and
resolves them to portal modules (a name imported from a package counts as its submodule when it
is one); importing a module runs its parent packages too. Imports under `if TYPE_CHECKING:`
never run and are skipped; imports inside functions run only when the function does, so each
rule says whether it counts them.
"""

import ast
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import portal
from tests.conftest import make_app

PORTAL = Path(portal.__file__).parent


def _module_file(name: str) -> Path | None:
    """The source file of a portal module, or None when `name` is not one."""
    if name != "portal" and not name.startswith("portal."):
        return None
    base = PORTAL.joinpath(*name.split(".")[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _all_modules() -> list[str]:
    """Every module of the portal package."""
    names = []
    for path in sorted(PORTAL.rglob("*.py")):
        parts = path.relative_to(PORTAL.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def portal_modules() -> dict[str, Path]:
    """Every module of the portal package, by dotted name, with its file."""
    return {name: _module_file(name) for name in _all_modules()}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST, *, lazy: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under `node` that run: at import time, and with `lazy` also
    those inside functions."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for branch in child.orelse:
                yield from _import_nodes(ast.Module(body=[branch], type_ignores=[]), lazy=lazy)
        elif lazy or not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _import_nodes(child, lazy=lazy)


def _with_parents(name: str) -> list[str]:
    """A module and the packages above it: importing it runs each of them."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imports_of(name: str, *, lazy: bool) -> set[str]:
    """The portal modules that `name` imports by name (the packages above them run too)."""
    path = _module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path)), lazy=lazy):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                above = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*above, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if _module_file(f"{base}.{alias.name}") else base
                       for alias in node.names]
        found.update(target for target in targets if _module_file(target))
    return found - {name}


def import_chains(starts: set[str]) -> dict[str, list[str]]:
    """Every portal module loaded with `starts`, with one chain of imports that reaches it.

    The functions of `starts` run, so the imports inside them count; of the modules they load,
    what loading runs counts (a job's import inside a function of portal.tasks runs in the
    worker, not in the request that queued it).
    """
    chains = {name: [name] for start in starts for name in _with_parents(start)}
    queue = deque(chains)
    while queue:
        name = queue.popleft()
        for imported in sorted(imports_of(name, lazy=name in starts)):
            for above in _with_parents(imported):
                if above not in chains:
                    chains[above] = [*chains[name], above]
                    queue.append(above)
    return chains


FEATURES = ("accounts", "auth", "projects", "pulses", "health", "closeout", "content",
            "notifications", "audit", "home", "imports")


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_feature(module: str) -> bool:
    return any(in_package(module, f"portal.{feature}") for feature in FEATURES)


def forbidden_imports(modules: list[str], forbidden) -> list[str]:
    """Each chain by which one of `modules` (its functions included) reaches a forbidden
    module, up to the first one."""
    return sorted(" -> ".join(chain) for module in modules
                  for chain in import_chains({module}).values()
                  if forbidden(chain[-1]) and not any(map(forbidden, chain[1:-1])))


def test_the_walker_reads_imports_as_python_does():
    chains = import_chains({"portal.web.errors"})
    assert chains["portal.web.redaction"] == ["portal.web.errors", "portal.web.redaction"]
    assert "portal.extensions" in imports_of("portal.web.errors", lazy=False)
    assert "portal.content.services" in imports_of("portal.content.views", lazy=False)
    assert {"portal.auth.models", "portal.access"} <= imports_of("portal.projects.views",
                                                                 lazy=False)
    assert "portal.devdata.demo" not in imports_of("portal.commands", lazy=False)
    assert "portal.devdata.demo" in imports_of("portal.commands", lazy=True)


# --- the web glue imports no feature, models no rules or pages -----------------------------

def test_the_web_glue_imports_no_feature_even_through_another_module():
    web = [name for name in _all_modules() if in_package(name, "portal.web")]
    assert len(web) >= 8
    broken = forbidden_imports(web, is_feature)
    assert not broken, "portal/web imports a feature:\n" + "\n".join(broken)


def test_models_import_no_services_or_views_even_through_another_module():
    models = [name for name in _all_modules() if name.endswith(".models")]
    assert len(models) >= 9
    broken = forbidden_imports(
        models, lambda module: module.rpartition(".")[2] in ("services", "views"))
    assert not broken, "a model imports rules or pages:\n" + "\n".join(broken)


# --- demo and benchmark data stay out of the product --------------------------------------

DEVDATA = "portal.devdata"
DEVDATA_MODULES = ["portal.devdata.demo", "portal.devdata.demo_history",
                   "portal.devdata.bench_data", "portal.devdata.demo_content"]


def test_no_product_module_imports_demo_or_benchmark_data_when_it_is_imported():
    offenders = {
        name: sorted(m for m in imports_of(name, lazy=False) if m.startswith(DEVDATA))
        for name in _all_modules() if not name.startswith(DEVDATA)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_only_the_cli_commands_load_demo_or_benchmark_data_and_only_when_run():
    lazy_users = {name for name in _all_modules() if not name.startswith(DEVDATA)
                  and any(m.startswith(DEVDATA) for m in imports_of(name, lazy=True))}
    assert lazy_users == {"portal.commands"}


def test_the_app_as_gunicorn_serves_it_loads_no_demo_or_benchmark_data(tmp_path):
    """An operator's portal runs without the demo firm's code: only `flask demo` and
    `flask bench-data` bring it in."""
    for name in DEVDATA_MODULES:
        assert _module_file(name) is not None, f"{name} holds demo or benchmark data"
    script = (
        "import sys\n"
        "from tests.conftest import make_app\n"
        f"make_app('sqlite://', {str(tmp_path)!r})\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('portal')))\n"
    )
    loaded = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script], capture_output=True, text=True,
        check=True, cwd=PORTAL.parent).stdout.split()
    assert "portal.projects.views" in loaded  # the app really was built
    assert [m for m in loaded if m.startswith(DEVDATA)] == []


# --- a client's request never runs the health code ----------------------------------------

# Pages the issue names; the rule covers every endpoint outside /staff/ and /admin/.
CLIENT_PAGES = ["/", "/live", "/projects/<int:project_id>", "/projects/<int:project_id>/live",
                "/projects/<int:project_id>/closeout", "/projects/<int:project_id>/closeout.pdf",
                "/pulses/<token>", "/values", "/process", "/account"]


def _client_request_modules(app) -> set[str]:
    """The modules whose functions a client's request runs: the views of every URL outside
    /staff/, /admin/ and the JSON API (which answers only the admin-created, firm-wide keys,
    never a client's session: tests/api), and the hooks, error handlers and context
    processors of every page."""
    views = {rule.endpoint for rule in app.url_map.iter_rules()
             if not rule.rule.startswith(("/staff/", "/admin/", "/api/v1/"))}
    functions = [app.view_functions[endpoint] for endpoint in views]
    for registry in (app.before_request_funcs, app.after_request_funcs,
                     app.teardown_request_funcs, app.template_context_processors,
                     app.url_value_preprocessors, app.url_default_functions):
        functions += [f for hooks in registry.values() for f in hooks]
    functions += [handler for by_code in app.error_handler_spec.values()
                  for handlers in by_code.values() for handler in handlers.values()]
    functions += list(app.jinja_env.globals.values()) + list(app.jinja_env.filters.values())
    modules = {getattr(f, "__module__", None) or "" for f in functions}
    return {m for m in modules if _module_file(m)}


def test_no_module_a_client_request_runs_imports_the_health_code(tmp_path):
    """Health scores are internal: the code that computes them is not even imported by what
    serves a client, so no page, fragment or file of theirs can show one by mistake."""
    app = make_app("sqlite://", str(tmp_path))
    client_rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert set(CLIENT_PAGES) <= client_rules
    starts = _client_request_modules(app)
    assert {"portal.projects.views", "portal.closeout.views", "portal.pulses.views",
            "portal.content.views"} <= starts
    chains = import_chains(starts)
    reaching = {name: " -> ".join(chain) for name, chain in chains.items()
                if name == "portal.health" or name.startswith("portal.health.")}
    assert reaching == {}


# --- the health code, split by what it does -----------------------------------------------

def test_the_health_list_alerts_and_reviews_never_load_the_score_computation():
    """Staff's account list, alerts and reviews read the kept weekly snapshots: the code that
    recomputes scores from every answer is loaded only by the snapshots (and the CLI, the job)."""
    computing = {"portal.health.metrics", "portal.health.deliveries"}
    for name in ("portal.health.accounts_list", "portal.health.alerts", "portal.health.reviews",
                 "portal.health.weeks"):
        assert _module_file(name) is not None, f"{name} is its own module"
        chains = import_chains({name})
        assert {m: chains[m] for m in computing & set(chains)} == {}
    assert "portal.health.metrics" in import_chains({"portal.health.snapshots"})
