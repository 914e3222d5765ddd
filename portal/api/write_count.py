"""Redis's count of commits that raised the versions of tables the API reads (api_keys among
them), so that a worker can tell, without the database, that nothing it holds has changed.

Whichever process commits such a write raises the count once its connection is back in the
pool (portal/api/freshness.py), so before its own answer is sent. Each API request reads the
count in the round trip that counts its rate (portal/api/limits.py), and while the count
stands where it stood before the worker last looked the caller's key up, the worker reuses
that lookup (portal/api/keys.py): a kept read then costs no statement at all.

The count only says when to look again; data_version stays the truth. A commit whose count
could not be raised (Redis unreachable at that moment) shows within API_KEY_RECHECK_SECONDS,
after which a worker looks a key up again whatever the count says. While Redis is unreachable,
every request looks its key up, as without Redis.
"""

import logging
import time

from flask import Flask, g
from limits.storage import RedisClusterStorage, RedisStorage

from portal.api import freshness
from portal.extensions import CountedFixedWindow, db, limiter

# Forgotten a day after the last write: workers hold a lookup for a second, so a count that
# starts again from 0 is at worst a missed raise, which that second bounds.
KEPT_SECONDS = 86_400
REDIS_RETRY_SECONDS = 5  # after a failure to raise the count, as the rate counts wait
COUNTER = "api.write_count"  # app.extensions key
SEEN = "api_writes_seen"  # g: the count as this request's rate was counted

log = logging.getLogger(__name__)

# The rate window's count, as limits' own incr_expire script keeps it, and the write count.
COUNT_AND_READ = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""


class WriteCount:
    """The count in Redis, raised after each commit that raised versions."""

    def __init__(self, storage: RedisStorage, prefix: str) -> None:
        self.storage = storage
        self.key = storage.prefixed_key(f"{prefix}/api-writes")
        self.again_at = 0.0

    def raise_count(self) -> None:
        """Tell every worker that the tables changed (after a failure, not for a while)."""
        if time.monotonic() < self.again_at:
            return
        try:
            with self.storage.get_connection().pipeline(transaction=False) as pipe:
                pipe.incr(self.key).expire(self.key, KEPT_SECONDS).execute()
        except Exception:  # noqa: BLE001 (readers look their key up again within a second)
            log.warning("API write count: Redis unreachable, not raised")
            self.again_at = time.monotonic() + REDIS_RETRY_SECONDS


class CountingWithWrites(CountedFixedWindow):
    """The fixed window of the API's rates, reading the write count in the same round trip."""

    def __init__(self, storage: RedisStorage, count: WriteCount) -> None:
        super().__init__(storage)
        self.script = storage.get_connection().register_script(COUNT_AND_READ)
        self.count = count

    def incremented(self, key: str, expiry: int, cost: int) -> int:
        """The window's count after this request; the write count noted for the request."""
        window, writes = self.script(keys=[self.storage.prefixed_key(key), self.count.key],
                                     args=[expiry, cost])
        setattr(g, SEEN, writes)
        return int(window)


def rate_window(app: Flask) -> CountedFixedWindow:
    """The window counting this app's API rates in its limiter's storage; with Redis, one that
    reads the write count too, which every commit of this app's engine that raised versions
    raises."""
    storage = limiter.storage
    # A cluster keeps the two keys on different nodes: one script cannot read both there.
    if not isinstance(storage, RedisStorage) or isinstance(storage, RedisClusterStorage):
        return CountedFixedWindow(storage)
    count = app.extensions[COUNTER] = WriteCount(storage, app.config["RATELIMIT_KEY_PREFIX"])
    with app.app_context():
        freshness.after_raising(db.engine, count.raise_count)
    return CountingWithWrites(storage, count)


def seen() -> int | None:
    """The write count as this request's rate was counted, or None (Redis unreachable)."""
    return g.get(SEEN)
