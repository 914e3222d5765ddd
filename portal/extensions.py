"""Extensions, created unbound; create_app() binds them to the app."""

import time

from flask import g, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits import RateLimitItem, WindowStats
from limits.strategies import STRATEGIES, FixedWindowRateLimiter

from portal.db import Base


class CountedFixedWindow(FixedWindowRateLimiter):
    """A fixed window that answers its own stats from the hit just made: one round trip to
    the store per request instead of three (the count comes back from the increment, and a
    window's end is asked once per window and worker, then remembered)."""

    def __init__(self, storage) -> None:
        super().__init__(storage)
        self._ends: dict[str, float] = {}

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count the request; remember the count for this request's headers."""
        key = item.key_for(*identifiers)
        count = self.incremented(key, item.get_expiry(), cost)
        if count == cost:  # the first request of a new window
            self._ends[key] = time.time() + item.get_expiry()
        if has_app_context():
            g.setdefault("rate_counts", {})[key] = count
        return count <= item.amount

    def incremented(self, key: str, expiry: int, cost: int) -> int:
        """The window's count after adding this request's cost (the window starts at 0)."""
        return self.storage.incr(key, expiry, amount=cost)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window's end and what is left, from this request's hit when it made one."""
        key = item.key_for(*identifiers)
        count = g.get("rate_counts", {}).get(key) if has_app_context() else None
        end = self._ends.get(key)
        if count is None or end is None or end <= time.time():
            if len(self._ends) > 10_000:  # keys of windows long gone
                self._ends.clear()
            stats = super().get_window_stats(item, *identifiers)
            self._ends[key] = stats.reset_time
            return stats
        return WindowStats(end, max(0, item.amount - count))


STRATEGIES["counted-fixed-window"] = CountedFixedWindow

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# No default limits: each guessable form names its own (portal/auth/limits.py).
limiter = Limiter(key_func=get_remote_address, strategy="counted-fixed-window")
