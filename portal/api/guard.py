"""Who is calling the API: a bearer key, checked on every request, with its scopes and rate.

Only `Authorization: Bearer pk_live_...` is read; cookies never are, so a signed-in browser
gets 401 here, and the web pages never read this header, so a key opens no page. Requests
are counted per key (Flask-Limiter, in Redis when configured; in each worker's memory while
Redis is down) and every answer says how many are left (RateLimit and RateLimit-Policy).
"""

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, request
from flask_limiter import RequestLimit
from flask_smorest import Blueprint

from portal.api import keys
from portal.api.keys import KeyInUse
from portal.api.models import Scope
from portal.extensions import db, limiter
from portal.web.problems import problem

resources = Blueprint("api_v1", __name__, url_prefix="/api/v1",
                      description="The firm's records, for its other tools.")

POLICY = "per-key"


def presented_secret() -> str | None:
    """The bearer secret of this request, if it sent one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_key() -> str:
    """Requests are counted per secret presented (hashed), or per address without one."""
    secret = presented_secret()
    if secret is None:
        return f"api-address:{request.remote_addr or 'unknown'}"
    return "api-key:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


def _limit() -> str:
    return current_app.config["API_LIMIT_PER_KEY"]


def _refused(limit: RequestLimit):
    wait = max(1, math.ceil(limit.reset_at - time.time()))
    return problem(429, f"Too many requests for this key; try again in {wait} s.",
                   headers={"Retry-After": str(wait), **_rate_headers(limit)})


limiter.shared_limit(_limit, scope="api", key_func=rate_key, on_breach=_refused)(resources)


def _rate_headers(limit: RequestLimit) -> dict[str, str]:
    window = limit.limit.get_expiry()
    reset = max(0, math.ceil(limit.reset_at - time.time()))
    return {"RateLimit-Policy": f'"{POLICY}";q={limit.limit.amount};w={window}',
            "RateLimit": f'"{POLICY}";r={max(0, limit.remaining)};t={reset}'}


@resources.before_request
def authenticate():
    """Find the key behind the bearer secret; 401 without a usable one."""
    secret = presented_secret()
    key = keys.key_for_secret(secret) if secret else None
    if key is None:
        detail = ("Send an API key as Authorization: Bearer pk_live_..." if secret is None
                  else "This API key is unknown, revoked or expired.")
        return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    db.session.commit()  # its last use, if noted (at most once a minute)
    g.api_key = key
    g.audit_actor_label = f"API key {key.name}"
    return None


@resources.before_request
def json_only():
    """A write's body is JSON (415 otherwise), so no form post from a browser gets this far."""
    if request.method in ("POST", "PATCH", "PUT") and request.mimetype != "application/json":
        abort(415, "Send the body as JSON, with Content-Type: application/json.")


@resources.after_request
def rate_headers(response):
    """Tell the caller where it stands against its rate limit."""
    current = limiter.current_limit
    if current is not None:
        response.headers.update(_rate_headers(current))
    return response


def current_key() -> KeyInUse:
    """The key this request was made with."""
    return g.api_key


def requires(scope: Scope) -> Callable:
    """Refuse (403) a key without this scope."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if scope not in current_key().scopes:
                abort(403, f"This API key lacks the {scope.value} scope.")
            return view(*args, **kwargs)

        return checked

    return decorate
