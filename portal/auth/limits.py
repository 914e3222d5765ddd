"""Rate limits on guessing: sign-in per account and per address, and the password and
two-factor pages per user. Counters live in Redis when PORTAL_REDIS_URL is set, so every
worker and host counts together; memory storage counts per worker process, which is only
good enough for development (production says so at start-up).

The client address is request.remote_addr: ProxyFix (PROXY_HOPS in create_app) has already
replaced it with the address the trusted proxies saw. A raw X-Forwarded-For is never read.
Only failed attempts (answered 422) count, so people who type their password right are
never slowed down by colleagues behind the same office address.
"""

import hashlib
import math
import time
from collections.abc import Callable

from flask import Flask, current_app, render_template, request, session
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user

from portal.audit import services as audit
from portal.auth.services import normalize_email
from portal.extensions import db, limiter

PENDING_SIGN_IN = "pending_sign_in"  # the user key between password and code


def configure(app: Flask) -> None:
    """Storage and headers from the portal's settings; warn when production counts per worker."""
    redis_url = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "portal-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if app.config["ENV"] == "production" and not redis_url:
        app.logger.warning(
            "PORTAL_REDIS_URL is not set: rate limits are counted in each worker's memory, so "
            "an attacker gets as many tries as there are workers. Set PORTAL_REDIS_URL."
        )


def failed(response) -> bool:
    """Count an attempt only when it was turned down."""
    return response.status_code == 422


def address_key() -> str:
    """The client's address, as ProxyFix established it."""
    return f"address:{request.remote_addr or 'unknown'}"


def account_key() -> str:
    """The account being tried at sign-in, known or not (both count the same)."""
    return f"account:{normalize_email(request.form.get('email', ''))[:254]}"


def user_key() -> str:
    """The signed-in user, or the one half-way through signing in."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    pending = session.get(PENDING_SIGN_IN) or {}
    return f"user:{str(pending.get('key', '')).split(':')[0]}" if pending else address_key()


def note_lockout(request_limit: RequestLimit) -> None:
    """Audit the first refused attempt of each window (not every one: no audit flood)."""
    window = request_limit.limit.get_expiry()
    if limiter.storage.incr(f"portal-lockout:{request_limit.key}", window) != 1:
        return
    actor = current_user if current_user.is_authenticated else None
    parts = request_limit.key.split("/")
    prefixes = ("account:", "address:", "user:", "token:")
    who = next((p for p in parts if p.startswith(prefixes)), "?")
    audit.record("auth.rate_limited", actor=actor,
                 summary=f"{request.endpoint}: more than {request_limit.limit} for {who}")
    db.session.commit()


def _limit(setting: str, key_func: Callable[[], str]):
    return limiter.limit(
        lambda: current_app.config[setting], key_func=key_func, methods=["POST"],
        deduct_when=failed, on_breach=note_lockout, override_defaults=False,
    )


def sign_in_limited(view: Callable) -> Callable:
    """Failed sign-ins counted per account and per address."""
    per_account = _limit("SIGN_IN_LIMIT_PER_ACCOUNT", account_key)
    per_address = _limit("SIGN_IN_LIMIT_PER_ADDRESS", address_key)
    return per_account(per_address(view))


def sensitive_form_limited(view: Callable) -> Callable:
    """Wrong passwords and codes on the password and two-factor pages, per user and address."""
    per_user = _limit("SENSITIVE_FORM_LIMIT", user_key)
    per_address = _limit("SIGN_IN_LIMIT_PER_ADDRESS", address_key)
    return per_user(per_address(view))


def token_key() -> str:
    """The link's token, hashed (so counters and the audit log never hold a live token)."""
    token = str((request.view_args or {}).get("token", ""))
    return f"token:{hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def _limit_every(setting: str, key_func: Callable[[], str], methods: list[str]):
    """Every request counts, answered or not: for requests that cost us an email or a PDF."""
    return limiter.limit(
        lambda: current_app.config[setting], key_func=key_func, methods=methods,
        on_breach=note_lockout, override_defaults=False,
    )


def email_request_limited(view: Callable) -> Callable:
    """Reset and sign-in link requests, per account asked for and per address. Every request
    counts (the answer is the same either way), so nobody floods an inbox from the portal."""
    per_account = _limit_every("EMAIL_LINK_LIMIT_PER_ACCOUNT", account_key, ["POST"])
    per_address = _limit_every("EMAIL_LINK_LIMIT_PER_ADDRESS", address_key, ["POST"])
    return per_account(per_address(view))


def pulse_answer_limited(view: Callable) -> Callable:
    """Pulse answers sent, per pulse link and per address."""
    per_token = _limit_every("PULSE_ANSWER_LIMIT_PER_TOKEN", token_key, ["POST"])
    per_address = _limit_every("PULSE_ANSWER_LIMIT_PER_ADDRESS", address_key, ["POST"])
    return per_token(per_address(view))


def pdf_limited(view: Callable) -> Callable:
    """PDF downloads per signed-in user: rendering one is the most expensive request we serve."""
    return _limit_every("PDF_LIMIT_PER_USER", user_key, ["GET"])(view)


def too_many_requests(error: RateLimitExceeded):
    """A clear page: what happened and how long to wait, with Retry-After; or the page the
    limit made itself (on_breach), such as a form with what was typed kept."""
    if error.response is not None:
        return error.response
    current = limiter.current_limit
    reset_at = current.reset_at if current else time.time() + 60
    wait = max(1, math.ceil(reset_at - time.time()))
    minutes = max(1, round(wait / 60))
    response = render_template("errors/429.html", wait_seconds=wait, wait_minutes=minutes)
    return response, 429, {"Retry-After": str(wait)}


def register(app: Flask) -> None:
    """Bind the limiter to this app and install the 429 page."""
    configure(app)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
