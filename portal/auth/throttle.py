"""Failed sign-ins, counted in the database that every worker shares, so the count survives
restarts and does not depend on Redis. Functions flush; the caller commits.

Delays, not lockouts: after SIGN_IN_FREE_FAILURES wrong passwords from one address for one
account, that address must wait SIGN_IN_FIRST_DELAY_SECONDS before its next try is even
checked, twice as long after each further failure, up to SIGN_IN_MAX_DELAY_SECONDS. The
account's owner, signing in from anywhere else, is not held up by it. Only when an account
collects SIGN_IN_ACCOUNT_FREE_FAILURES from all addresses together (guesses spread over many
machines) does every address wait, by the same doubling. A correct password clears its own
address's count; counts are forgotten a day after their last failure, and such rows are
deleted whenever a failure is recorded, so the table stays as small as the day's failures.
"""

import hashlib
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.audit import services as audit
from portal.auth.models import SignInThrottle
from portal.auth.services import normalize_email
from portal.db import utcnow
from portal.extensions import db

FORGET_AFTER = timedelta(days=1)
MAX_DOUBLINGS = 30  # far past any sensible longest delay; keeps 2**n small


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _keys(email: str, address: str) -> dict[str, str]:
    """The two counts an attempt belongs to: the account's, and the account-and-address pair's."""
    account = normalize_email(email)[:254]
    return {"account": _key("account", account), "pair": _key("pair", account, address)}


def _free_failures(kind: str) -> int:
    setting = "SIGN_IN_ACCOUNT_FREE_FAILURES" if kind == "account" else "SIGN_IN_FREE_FAILURES"
    return int(current_app.config[setting])


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after this many failures: none until `free`, then doubling, capped."""
    if failures < free:
        return 0
    first = int(current_app.config["SIGN_IN_FIRST_DELAY_SECONDS"])
    longest = int(current_app.config["SIGN_IN_MAX_DELAY_SECONDS"])
    return min(first * 2 ** min(failures - free, MAX_DOUBLINGS), longest)


def seconds_to_wait(email: str, address: str, *, now: datetime | None = None) -> int:
    """How long this address must wait before a password for this account is checked (0: go)."""
    now = now or utcnow()
    keys = _keys(email, address)
    rows = db.session.scalars(select(SignInThrottle).where(
        SignInThrottle.key.in_(keys.values()), SignInThrottle.last_failed_at >= now - FORGET_AFTER,
    )).all()
    kinds = {key: kind for kind, key in keys.items()}
    waits = [
        (row.last_failed_at - now).total_seconds()
        + delay_after(row.failures, _free_failures(kinds[row.key]))
        for row in rows
    ]
    return max([0, *(math.ceil(wait) for wait in waits)])


def _count_failure(key: str, now: datetime) -> int:
    """Add one failure to this count, atomically (workers race), and return the new total."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stale = SignInThrottle.last_failed_at < now - FORGET_AFTER
    stmt = insert(SignInThrottle).values(key=key, failures=1, last_failed_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[SignInThrottle.key], set_={
        "failures": case((stale, 1), else_=SignInThrottle.failures + 1),
        "last_failed_at": now,
    }).returning(SignInThrottle.failures)
    return db.session.execute(stmt).scalar_one()


def record_failure(email: str, address: str, *, now: datetime | None = None) -> None:
    """Count a wrong password for this account from this address; audit when delays begin."""
    now = now or utcnow()
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.last_failed_at < now - FORGET_AFTER))
    for kind, key in _keys(email, address).items():
        if _count_failure(key, now) == _free_failures(kind):
            scope = "from all addresses" if kind == "account" else f"from {address}"
            audit.record("auth.rate_limited", actor=None,
                         summary=f"sign-in delays began for {normalize_email(email)[:254]} {scope}")
    db.session.flush()


def forget_failures(email: str, address: str) -> None:
    """A correct password: this address's count for the account starts again from nothing."""
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.key == _keys(email, address)["pair"]))
