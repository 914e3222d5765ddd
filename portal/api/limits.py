"""Each key's rate: requests counted per secret (hashed) in a fixed window, one round trip to
Redis a request, and every answer says where the caller stands (RateLimit, RateLimit-Policy).

Counted here rather than through Flask-Limiter's per-view machinery, which cost more than the
rest of a read, but with its storage and settings (RATELIMIT_STORAGE_URI, _KEY_PREFIX) and the
same fixed window (CountedFixedWindow). Redis down: this worker counts in its own memory and
tries Redis again after REDIS_RETRY_SECONDS, as the sign-in limits do. The same round trip
reads Redis's count of writes (portal/api/write_count.py).
"""

import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from portal.api import write_count
from portal.extensions import CountedFixedWindow, limiter

POLICY = "per-key"
REDIS_RETRY_SECONDS = 5
RATES = "api.rates"  # app.extensions key


@dataclass(frozen=True)
class Standing:
    """Where a caller stands after this request: allowed or not, what is left, and when the
    window ends."""

    allowed: bool
    item: RateLimitItem
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        """RateLimit-Policy and RateLimit, as the IETF draft writes them."""
        reset = max(0, math.ceil(self.reset_at - time.time()))
        return {"RateLimit-Policy": f'"{POLICY}";q={self.item.amount};w={self.item.get_expiry()}',
                "RateLimit": f'"{POLICY}";r={max(0, self.remaining)};t={reset}'}

    @property
    def wait(self) -> int:
        """Whole seconds until the window ends, at least 1."""
        return max(1, math.ceil(self.reset_at - time.time()))


class KeyRates:
    """The shared counter (Redis when configured) and this worker's fallback."""

    def __init__(self, app: Flask) -> None:
        self.shared = write_count.rate_window(app)
        self.local = CountedFixedWindow(MemoryStorage())
        self.shared_again_at = 0.0
        self.prefix = app.config["RATELIMIT_KEY_PREFIX"]

    def count(self, item: RateLimitItem, caller: str) -> Standing:
        """Count one request of this caller against the item."""
        identifiers = (self.prefix, caller, "api")
        if time.monotonic() >= self.shared_again_at:
            try:
                return self._counted(self.shared, item, identifiers)
            except Exception:  # noqa: BLE001 (any storage failure: count here instead)
                current_app.logger.warning("API rate counts: Redis unreachable, counting in "
                                           "this worker's memory")
                self.shared_again_at = time.monotonic() + REDIS_RETRY_SECONDS
        return self._counted(self.local, item, identifiers)

    @staticmethod
    def _counted(window: CountedFixedWindow, item: RateLimitItem, identifiers) -> Standing:
        allowed = window.hit(item, *identifiers)
        stats = window.get_window_stats(item, *identifiers)
        return Standing(allowed, item, stats.remaining, stats.reset_time)


def caller() -> str:
    """Requests are counted per secret presented (hashed), or per address without one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return f"api-address:{request.remote_addr or 'unknown'}"
    return "api-key:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]


def counts_its_own() -> bool:
    """An API request: Flask-Limiter has nothing to count there (this module counts it)."""
    return request.blueprint == "api_v1"


def register(app: Flask) -> None:
    """Count this app's API requests in the storage its limiter was given."""
    app.extensions[RATES] = KeyRates(app)
    if counts_its_own not in limiter._request_filters:  # one limiter for every app
        limiter.request_filter(counts_its_own)


def count_request() -> Standing:
    """Count this request against its caller's rate; kept for the answer's headers."""
    item = _item(current_app.config["API_LIMIT_PER_KEY"])
    standing = current_app.extensions[RATES].count(item, caller())
    g.api_standing = standing
    return standing


_items: dict[str, RateLimitItem] = {}


def _item(text: str) -> RateLimitItem:
    found = _items.get(text)
    if found is None:
        found = _items[text] = parse(text)
    return found


def standing() -> Standing | None:
    """This request's standing, once counted."""
    return g.get("api_standing")
