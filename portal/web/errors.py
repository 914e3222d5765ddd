"""Branded error pages, a request id and security headers on every response, logged crashes."""

import contextlib
import logging
import uuid

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db
from portal.web import redaction
from portal.web.problems import from_http_error, is_api_request, problem

log = logging.getLogger("portal.errors")

# Scripts only from our own files. Inline styles stay allowed: pygal's SVG charts carry them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

# A year, as browsers' preload lists ask; no preload: that is the operator's choice to make.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

# admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
POSTGRES_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}
# What SQLite says when the file is busy or missing; its other OperationalErrors are our bugs.
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def _assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex[:12]


def _send_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _http_error(error: HTTPException):
    if is_api_request():
        return from_http_error(error)
    template = "errors/404.html" if error.code in (404, 405) else "errors/error.html"
    try:
        return render_template(template, error=error), error.code
    except DBAPIError as unavailable:  # the page loads the signed-in user, from a database
        return _database_error(unavailable)


def _csrf_error(error: CSRFError):
    try:
        signed_in = current_user.is_authenticated
    except DBAPIError as unavailable:
        return _database_error(unavailable)
    if not signed_in:
        flash("Your session expired. Please sign in again.", "warning")
        return redirect(url_for("auth.login"))
    return render_template("errors/csrf.html", error=error), 400


def _server_error(error: InternalServerError):
    cause = error.original_exception or error
    log.error("request %s to %s failed", g.get("request_id"), request.path, exc_info=cause)
    with contextlib.suppress(SQLAlchemyError):  # a failed flush leaves the session unusable
        db.session.rollback()
    if is_api_request():
        return problem(500, "The portal failed to answer; the error is logged as "
                            f"{g.get('request_id')}.")
    return _standalone("errors/500.html"), 500


def database_unavailable(error: DBAPIError) -> bool:
    """The database is down, restarting or busy, as opposed to a statement that is wrong."""
    if error.connection_invalidated:
        return True
    if type(error.orig).__module__.startswith("psycopg"):
        # No SQLSTATE: the server could not be reached at all; else only the states of a
        # server that is gone, shutting down, starting or full (not deadlocks or timeouts).
        state = getattr(error.orig, "sqlstate", None)
        return isinstance(error, OperationalError) and (
            state is None or state.startswith("08") or state in POSTGRES_UNAVAILABLE)
    return str(error.orig).startswith(SQLITE_UNAVAILABLE)


def _database_error(error: DBAPIError):
    """The database is down or restarting: a 503 page that asks for a moment, not a crash."""
    if not database_unavailable(error):
        return _server_error(InternalServerError(original_exception=error))
    log.warning("request %s to %s: database unavailable: %s", g.get("request_id"),
                request.path, str(error.orig or error).partition("\n")[0][:300])
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone: nothing to undo
        db.session.rollback()
    if is_api_request():
        return problem(503, "The database is unavailable; try again shortly.",
                       headers={"Retry-After": "30"})
    return _standalone("errors/unavailable.html"), 503, {"Retry-After": "30"}


def _standalone(template: str) -> str:
    """An error page rendered without context processors: Flask-Login's would load the
    signed-in user, from the database that may be what failed."""
    return current_app.jinja_env.get_template(template).render(
        request_id=g.get("request_id", ""))


def _security_headers(response):
    """Headers every response carries, error pages included."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:  # over HTTPS, or behind a trusted proxy that says so
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


# The statuses where Retry-After means "try again then" (RFC 9110 10.2.3); rate limiting adds
# it to every limited response, where a client or proxy could read a success as "come back".
RETRY_AFTER_STATUSES = {429, 503}


def _retry_after_only_when_refused(response):
    if response.status_code not in RETRY_AFTER_STATUSES:
        response.headers.pop("Retry-After", None)
    return response


def register(app: Flask) -> None:
    """Install the error handlers, the request id hooks, and the filter that keeps link
    tokens out of the request log (the development server's) and the crash log."""
    redaction.install(log, app.logger, logging.getLogger("werkzeug"))
    # First of all before_request hooks, so the id is there if an earlier one fails.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    # First registered runs last: after the rate limiter has added its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)
    app.after_request(_send_request_id)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(DBAPIError, _database_error)
