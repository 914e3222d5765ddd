"""Rate limits on guessing: sign-in per address, and the password and two-factor pages per
user; and on requests that cost us an email or a PDF. Counters live in Redis when
PORTAL_REDIS_URL is set, so every worker and host counts together. Production refuses to start
without it: counting in each worker's memory would give an attacker a try per worker.

Failed sign-ins per account, and per account and address, are counted in the database instead
(portal/auth/throttle.py): delays that slow an attacker without locking the owner out, the same
with or without Redis.

Redis down: each worker falls back to counting in its own memory (Flask-Limiter's in-memory
fallback, retrying Redis with growing pauses) and says so in the log; /healthz answers
"degraded". Signing in, link requests and pulse answers keep working and stay limited, per
worker, until Redis is back.

The client address is request.remote_addr: ProxyFix (PROXY_HOPS in create_app) has already
replaced it with the address the trusted proxies saw. A raw X-Forwarded-For is never read.
Only failed attempts (answered 422) count, so people who type their password right are
never slowed down by colleagues behind the same office address.
"""

import hashlib
import logging
import math
import time
from collections.abc import Callable

from flask import Flask, current_app, render_template, request, session
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user

from portal import ConfigurationError
from portal.audit import services as audit
from portal.auth.services import normalize_email
from portal.extensions import db, limiter

log = logging.getLogger(__name__)

PENDING_SIGN_IN = "pending_sign_in"  # the user key between password and code
REDIS_SECONDS = 2  # to connect to Redis, and for each answer, before counting in memory


def configure(app: Flask) -> None:
    """Storage, fallback and headers from the portal's settings; production needs shared storage."""
    redis_url = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
        "socket_connect_timeout": REDIS_SECONDS, "socket_timeout": REDIS_SECONDS})
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "portal-limits")
    # Redis down: count in this worker's memory rather than fail the request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # No X-RateLimit-* headers (they tell a guesser how many tries are left) and no Retry-After
    # but on a 429, which sets its own.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    if app.config["ENV"] == "production" and shared_storage(app) is None:
        raise ConfigurationError(
            "PORTAL_REDIS_URL must be set when PORTAL_ENV=production: without it rate limits "
            "are counted in each worker's memory, so an attacker gets a try per worker and a "
            "restart forgets them."
        )


def shared_storage(app: Flask) -> str | None:
    """The URI of the storage every worker shares, or None when each counts in its memory."""
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    return None if uri.startswith("memory://") else uri


def health() -> dict[str, str]:
    """For /healthz, with Redis configured: "degraded" while limits count in workers' memory."""
    if shared_storage(current_app) is None:
        return {}
    if limiter.storage.check():
        return {"rate_limits": "shared"}
    return {"status": "degraded", "rate_limits": "per worker: Redis unreachable"}


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
    storage = limiter.limiter.storage  # Redis, or this worker's memory while Redis is down
    if storage.incr(f"portal-lockout:{request_limit.key}", window) != 1:
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
    """Failed sign-ins counted per address, whatever the accounts tried (per account: throttle)."""
    return _limit("SIGN_IN_LIMIT_PER_ADDRESS", address_key)(view)


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


def wait_text(seconds: int) -> str:
    """The wait in words: "2 seconds", "15 minutes (900 seconds)"."""
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'} ({seconds} seconds)"


def too_many_attempts(wait: int):
    """A clear page: what happened and how long to wait, with Retry-After."""
    wait = max(1, wait)
    page = render_template("errors/429.html", wait=wait_text(wait))
    return page, 429, {"Retry-After": str(wait)}


def too_many_requests(error: RateLimitExceeded):
    """The 429 page for a Flask-Limiter limit, waiting until its window resets; or the page
    the limit made itself (on_breach), such as a form with what was typed kept."""
    if error.response is not None:
        return error.response
    current = limiter.current_limit
    reset_at = current.reset_at if current else time.time() + 60
    return too_many_attempts(math.ceil(reset_at - time.time()))


def note_fallback(response):
    """Log once each time this worker starts, or stops, counting in its own memory."""
    state = current_app.extensions["portal.limits"]
    in_memory = limiter.limiter.storage is not limiter.storage  # the fallback is in use
    if in_memory != state["in_memory"]:
        state["in_memory"] = in_memory
        if in_memory:
            log.warning("Redis is unreachable: rate limits are counted in this worker's memory "
                        "until it is back (failed sign-ins stay counted in the database)")
        else:
            log.warning("Redis is back: rate limits are shared by every worker again")
    return response


def note_unexpected_proxy() -> None:
    """With PROXY_HOPS 0, warn once per worker when a request names a forwarded address."""
    state = current_app.extensions["portal.limits"]
    if state["proxy_noted"] or "X-Forwarded-For" not in request.headers:
        return
    state["proxy_noted"] = True
    log.warning("a request came with X-Forwarded-For but PORTAL_PROXY_HOPS is 0: if a proxy "
                "is in front, every client has its address, so each limit per address counts "
                "them all together. Set PORTAL_PROXY_HOPS to the number of proxies in front.")


def register(app: Flask) -> None:
    """Bind the limiter to this app, install the 429 page, and log Redis outages and a proxy
    the settings do not know about."""
    configure(app)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.extensions["portal.limits"] = {"in_memory": False, "proxy_noted": False}
    if shared_storage(app) is not None:
        app.after_request(note_fallback)
    if not int(app.config["PROXY_HOPS"]):
        app.before_request(note_unexpected_proxy)
