"""Who is calling the API: a bearer key, checked on every request, with its scopes and rate.

Only `Authorization: Bearer pk_live_...` is read; cookies never are, so a signed-in browser
gets 401 here, and the web pages never read this header, so a key opens no page. Requests
are counted per key (portal/api/limits.py: in Redis when configured, in each worker's memory
while Redis is down) and every answer says how many are left (RateLimit and RateLimit-Policy).
Reads are answered from the worker's kept answers while the tables they read are unchanged
(portal/api/kept.py, freshness.py): the key's statement tells, so a read costs one statement,
and none while Redis's count of writes says nothing changed since (write_count.py).
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_smorest import Blueprint

from portal.api import kept, keys, limits, write_count
from portal.api.keys import KeyInUse
from portal.api.models import Scope
from portal.extensions import db
from portal.web.problems import problem

resources = Blueprint("api_v1", __name__, url_prefix="/api/v1",
                      description="The firm's records, for its other tools.")


def presented_secret() -> str | None:
    """The bearer secret of this request, if it sent one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


@resources.before_request
def admit():
    """Count the request against its caller's rate (429 past it), find the key behind the
    bearer secret (401 without a usable one), and answer a read from the kept answers when
    the tables it reads are unchanged since."""
    standing = limits.count_request()
    if not standing.allowed:
        return problem(429, f"Too many requests for this key; try again in {standing.wait} s.",
                       headers={"Retry-After": str(standing.wait), **standing.headers()})
    secret = presented_secret()
    read = kept.read_of(request.endpoint) if request.method == "GET" else None
    key, stamp = (keys.key_for_secret(secret, read.tables if read else (), write_count.seen())
                  if secret else (None, 0))
    if key is None:
        detail = ("Send an API key as Authorization: Bearer pk_live_..." if secret is None
                  else "This API key is unknown, revoked or expired.")
        return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if key.use_noted:
        db.session.commit()
    g.api_key = key
    g.audit_actor_label = f"API key {key.name}"
    if read is not None and read.scope in key.scopes:
        answer = kept.kept_answer(request.full_path, stamp)
        if answer is None:
            g.api_read_stamp = stamp  # the view reads it afresh; kept after it (below)
        return answer
    return None


@resources.before_request
def json_only():
    """A write's body is JSON (415 otherwise), so no form post from a browser gets this far."""
    if request.method in ("POST", "PATCH", "PUT") and request.mimetype != "application/json":
        abort(415, "Send the body as JSON, with Content-Type: application/json.")


@resources.after_request
def rate_headers(response):
    """Tell the caller where it stands against its rate limit; keep a read's fresh answer."""
    standing = limits.standing()
    if standing is not None:
        response.headers.update(standing.headers())
    stamp = g.pop("api_read_stamp", None)
    if stamp is not None and not response.direct_passthrough:
        kept.keep_answer(request.full_path, stamp, response)
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
