"""Branded error pages, a request id on every response, and logged server errors."""

import logging
import uuid

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("portal.errors")


def _assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex[:12]


def _send_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _http_error(error: HTTPException):
    template = "errors/404.html" if error.code in (404, 405) else "errors/error.html"
    return render_template(template, error=error), error.code


def _csrf_error(error: CSRFError):
    if not current_user.is_authenticated:
        flash("Your session expired. Please sign in again.", "warning")
        return redirect(url_for("auth.login"))
    return render_template("errors/csrf.html", error=error), 400


def _server_error(error: InternalServerError):
    cause = error.original_exception or error
    log.error("request %s to %s failed", g.get("request_id"), request.path, exc_info=cause)
    return render_template("errors/500.html"), 500


def register(app: Flask) -> None:
    """Install the error handlers and the request id hooks."""
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
