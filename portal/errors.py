"""Branded error pages, a request id and security headers on every response, logged crashes."""

import logging
import uuid

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

log = logging.getLogger("portal.errors")

# Scripts only from our own files. Inline styles stay allowed: pygal's SVG charts carry them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

# A year, as browsers' preload lists ask; no preload: that is the operator's choice to make.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


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
    db.session.rollback()  # a failed flush leaves the session unusable for anything else
    return render_template("errors/500.html", request_id=g.get("request_id", "")), 500


def _security_headers(response):
    """Headers every response carries, error pages included."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:  # over HTTPS, or behind a trusted proxy that says so
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def register(app: Flask) -> None:
    """Install the error handlers and the request id hooks."""
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
