"""The client portal: create_app() builds the Flask application."""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal.config import Defaults
from portal.db import MAX_ID


class ConfigurationError(RuntimeError):
    """The portal refuses to start with this configuration."""


def create_app(overrides: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app: settings from Defaults, PORTAL_* variables, then overrides."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("PORTAL")
    app.config.update(overrides or {})
    configure_database(app)
    configure_secret_key(app)
    configure_production(app)
    configure_pdf(app)
    configure_sessions(app)
    app.url_map.converters["int"] = DatabaseIdConverter
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    from portal.web import deadline, errors, fragments, static_files, templating

    errors.register(app)
    deadline.register(app)
    fragments.register(app)
    templating.register(app)
    static_files.register(app)
    register_bench(app)
    return app


BARE_PAGE = "<!doctype html><title>bare</title><p>ok</p>"


def register_bench(app: Flask) -> None:
    """With PORTAL_BENCH=1 only: GET /bench/bare, a constant page through the same app.

    The benchmarks measure pages as a share of it, so the ratio shows what the portal's own
    work costs on top of Flask, the middleware and the server, whatever the machine.
    """
    if not app.config["BENCH"]:
        return

    @app.get("/bench/bare")
    def bench_bare():
        return BARE_PAGE


def numbers_up_to(largest: int) -> str:
    """A regular expression for the decimal numbers from 0 to `largest` and no larger one:
    fewer digits, or the same first digits then a smaller one, or `largest` itself."""
    digits = str(largest)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for at, digit in enumerate(digits):
        if digit != "0":
            options.append(rf"{digits[:at]}[0-{int(digit) - 1}]\d{{{len(digits) - at - 1}}}")
    return "0*(?:" + "|".join([*options, digits]) + ")"  # leading zeros, as werkzeug's int


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs: only a number an id column holds matches, so a path with a larger
    one names nothing and is a 404 for every method (never a 500 from the database, nor a 405
    because another method's rule has the same path)."""

    regex = numbers_up_to(MAX_ID)

    def __init__(self, url_map, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)  # also the OpenAPI document's `maximum`
        super().__init__(url_map, **kwargs)


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 (names, not a bind)


def check_base_url(url: object) -> None:
    """Production's public address: https and a real host, or links in emails (sign-in,
    password reset, pulses, unsubscribe) would send people to 127.0.0.1 or over plain HTTP."""
    parts = urlsplit(str(url or ""))
    if parts.scheme != "https" or not parts.hostname or parts.hostname in LOOPBACK_HOSTS:
        raise ConfigurationError(
            "PORTAL_BASE_URL must be set to the portal's public https address (for example "
            "https://portal.example.com) when PORTAL_ENV=production: links in emails use it; "
            f"it is {url!r}")


def configure_production(app: Flask) -> None:
    """Behind a TLS proxy: Secure cookies, https links and the client address via ProxyFix."""
    if app.config["ENV"] == "production":
        check_base_url(app.config["BASE_URL"])
        if app.config["WEBHOOK_ALLOW_HTTP"] or app.config["WEBHOOK_TEST_ALLOW_LOOPBACK"]:
            raise ConfigurationError(
                "PORTAL_WEBHOOK_ALLOW_HTTP and PORTAL_WEBHOOK_TEST_ALLOW_LOOPBACK are for "
                "development and tests: production sends webhooks over https to public "
                "addresses only")
        app.config.update(
            SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_pdf(app: Flask) -> None:
    """PDF_PAGE_SIZE as WeasyPrint names it ("A4" or "Letter"); anything else stops start-up."""
    from portal.pdf import PAGE_SIZES

    size = str(app.config["PDF_PAGE_SIZE"]).strip().lower()
    if size not in PAGE_SIZES:
        raise ConfigurationError(
            f"PORTAL_PDF_PAGE_SIZE must be one of {', '.join(PAGE_SIZES.values())}"
        )
    app.config["PDF_PAGE_SIZE"] = PAGE_SIZES[size]


def configure_sessions(app: Flask) -> None:
    """HttpOnly, SameSite=Lax cookies; over HTTPS also Secure and __Host- (no Domain, Path=/),
    so no other host or plain-HTTP page can set or read them; remember-me bounded."""
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config["REMEMBER_DAYS"]))
    app.config.update(SESSION_COOKIE_PATH="/", REMEMBER_COOKIE_PATH="/",
                      SESSION_COOKIE_DOMAIN=None, REMEMBER_COOKIE_DOMAIN=None)
    if app.config["ENV"] == "production":
        app.config.update(SESSION_COOKIE_NAME="__Host-session",
                          REMEMBER_COOKIE_NAME="__Host-remember_token")


def database_url(app: Flask) -> str:
    """The configured database URL, with psycopg 3 as the PostgreSQL driver."""
    url = app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        return "sqlite:///" + str(Path(app.instance_path) / "portal.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def configure_database(app: Flask) -> None:
    """SQLAlchemy settings: pre-ping pooled PostgreSQL connections; SQLite pragmas in portal.db."""
    url = database_url(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_secret_key(app: Flask) -> None:
    """Production needs PORTAL_SECRET_KEY; elsewhere one is generated once and kept in instance/."""
    if app.config["SECRET_KEY"]:
        # from_prefixed_env parses values as JSON: an all-digit key would arrive as a number.
        app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])
        return
    if app.config["ENV"] == "production":
        raise ConfigurationError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_name(f"secret_key.{os.getpid()}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        # link() is atomic and refuses to overwrite: workers starting together share one key.
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: the first writer still wins
            with contextlib.suppress(FileExistsError), open(key_file, "x") as handle:
                handle.write(draft.read_text())
        draft.unlink()
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions of portal.extensions to this app."""
    from portal.auth.services import load_user
    from portal.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    from portal.auth import limits, sessions

    sessions.register(app)
    limits.register(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature package, defined in its views module, or, for auth with its
    three views modules, in the package __init__ with each module adding its routes.

    Neither place imports a view when a feature's models are imported (as portal.access
    does), so no feature's views are dragged into an import cycle.
    """
    from portal.accounts.views import bp as accounts
    from portal.api.views import bp as api_pages
    from portal.audit.views import bp as audit
    from portal.auth import bp as auth
    from portal.auth import email_views, security_views  # noqa: F401 (routes on auth's bp)
    from portal.auth import views as identity_views  # noqa: F401 (routes on auth's bp)
    from portal.closeout.views import bp as closeout
    from portal.content.views import bp as content
    from portal.feeds.views import bp as feeds
    from portal.health.views import bp as health
    from portal.home.staff_views import bp as staff_home
    from portal.home.views import bp as home
    from portal.imports.views import bp as imports
    from portal.notifications.views import bp as notifications
    from portal.project_templates.views import bp as project_templates
    from portal.projects.edit_views import bp as project_editing
    from portal.projects.views import bp as projects
    from portal.pulses.views import bp as pulses
    from portal.selection.placement_views import bp as placements
    from portal.selection.views import bp as selection
    from portal.touchpoints.views import bp as touchpoints
    from portal.webhooks.views import bp as webhooks

    for blueprint in (auth, home, staff_home, accounts, audit, projects, content, pulses,
                      closeout, notifications, health, imports, project_templates,
                      project_editing, feeds, api_pages, webhooks, selection, placements,
                      touchpoints):
        app.register_blueprint(blueprint)
    from portal.api import openapi

    openapi.register(app)


def register_commands(app: Flask) -> None:
    """The CLI: demo data and user creation, thin wrappers over services."""
    from portal import commands

    for command in commands.ALL:
        app.cli.add_command(command)
