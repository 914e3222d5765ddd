"""Session lifetimes: renewal at sign-in, an idle timeout, an absolute lifetime, bounded
remember-me, and "fresh" sign-ins for sensitive changes.

The session is Flask's signed cookie, so it carries its own clocks (Unix seconds):
signed_in_at (the absolute lifetime runs from it), seen_at (the idle timeout) and
authenticated_at (when the password, and code if any, were last entered). The user key in
it, `id:session_version:signed_in_at`, is also what the remember-me cookie holds, so
load_user refuses a remembered sign-in older than REMEMBER_DAYS and any cookie of an
older session version. A session restored from the remember-me cookie is "remembered":
the person asked to stay signed in on this device, so the idle timeout does not apply to
it, but it is never fresh.
"""

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from portal.auth.models import User
from portal.auth.services import session_key
from portal.web.live import is_poll

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
AUTHENTICATED_AT = "authenticated_at"
REMEMBERED = "remembered"
SEEN_RESOLUTION = 60  # seconds; seen_at is rewritten at most this often


def now() -> int:
    return int(time.time())


def start_session(user: User, *, remember: bool) -> None:
    """Sign in on a new session: nothing from before survives, the clocks start now."""
    session.clear()
    login_user(user, remember=remember)
    started = now()
    session["_user_id"] = session_key(user, signed_in_at=started)
    session.update({SIGNED_IN_AT: started, SEEN_AT: started, AUTHENTICATED_AT: started,
                    REMEMBERED: remember})


def renew_session(user: User) -> None:
    """After the user's session version changed (a password change): keep them signed in
    here, on a new session, while every other session of theirs has ended."""
    start_session(user, remember=bool(session.get(REMEMBERED)))


def end_session(message: str | None = None) -> None:
    """Sign out of this browser: the session and the remember-me cookie go."""
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    if message:
        flash(message, "info")


def is_fresh() -> bool:
    """The password (and code) were entered within the last REAUTH_MINUTES."""
    entered = session.get(AUTHENTICATED_AT)
    return bool(entered) and now() - entered <= current_app.config["REAUTH_MINUTES"] * 60


def confirm_identity() -> None:
    """The person just re-entered their password (and code): the session is fresh again."""
    session[AUTHENTICATED_AT] = now()


def _restored_from_cookie(app: Flask, user: User) -> None:
    signed_in_at = int(session["_user_id"].rsplit(":", 1)[1])
    session.update({SIGNED_IN_AT: signed_in_at, SEEN_AT: now(), REMEMBERED: True})
    session.pop(AUTHENTICATED_AT, None)


def check_session_lifetime() -> None:
    """Before each request: end a session idle or old past its limits, else note activity."""
    if not current_user.is_authenticated:
        return
    g.signed_in = True  # for not_stored(), which must not load the user again
    config, moment = current_app.config, now()
    if not session.get(REMEMBERED):
        idle = moment - session.get(SEEN_AT, 0)
        age = moment - session.get(SIGNED_IN_AT, 0)
        if idle > config["SESSION_IDLE_MINUTES"] * 60:
            return end_session("You were signed out after a while without activity. "
                               "Please sign in again.")
        if age > config["SESSION_MAX_HOURS"] * 3600:
            return end_session("Your session reached its time limit. Please sign in again.")
    stale = moment - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION
    if stale and not is_poll():
        session[SEEN_AT] = moment


def safe_next(target: str | None) -> str | None:
    """The `next` target only if it is a path on this site, never another host."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def recent_sign_in_required(view: Callable) -> Callable:
    """Sensitive changes (password, two-factor, roles) need the password entered recently."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and not is_fresh():
            if request.method == "GET":
                target = request.full_path.rstrip("?")
            else:
                target = urlsplit(request.referrer or "").path or None
            flash("Please confirm it is you before making this change.", "info")
            return redirect(url_for("auth.reauthenticate", next=safe_next(target)))
        return view(*args, **kwargs)

    return wrapped


def not_stored(response: Response) -> Response:
    """After each request: nothing a signed-in person sees (or a link's token opens) is kept
    by a browser or proxy. Responses that chose their caching keep it: static files, the
    public logo, the PDF and the live polls (`private, no-cache`, so their ETags still work)."""
    if "Cache-Control" in response.headers or request.endpoint == "static":
        return response
    if "token" in (request.view_args or {}) or g.get("signed_in"):
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Install the lifetime check, the remember-me hook and Cache-Control on this app."""
    app.before_request(check_session_lifetime)
    app.after_request(not_stored)
    user_loaded_from_cookie.connect(_restored_from_cookie, app)
