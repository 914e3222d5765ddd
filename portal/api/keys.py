"""Issuing, checking and revoking API keys. Functions flush; the caller commits.

A secret is `pk_live_` and 32 random bytes (secrets.token_urlsafe); only its SHA-256 is kept,
which is enough for a secret of that entropy (no slow KDF needed: nothing to guess), and the
lookup is by that hash, in the database, with revoked and expired keys left out there.
"""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy import Connection, Select, bindparam, or_, select, update

from portal.api import freshness
from portal.api.models import ApiKey, Scope
from portal.audit import services as audit
from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db

SECRET_PREFIX = "pk_live_"  # noqa: S105 (a public prefix, not a secret)
SHOWN_PREFIX = 12  # characters of the secret kept in clear to recognise a key in the list
LAST_USED_STEP = timedelta(minutes=1)  # last use is written at most this often per key


class ApiKeyError(ValueError):
    """A key could not be issued as asked."""


def hash_secret(secret: str) -> str:
    """The SHA-256 of a secret, as kept in the database."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(*, name: str, scopes: list[Scope], expires_at: datetime | None,
              by: User) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown once and never kept."""
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name: it says which program uses it.")
    if not scopes:
        raise ApiKeyError("Choose at least one scope.")
    if expires_at is not None and expires_at <= utcnow():
        raise ApiKeyError("The expiry must be in the future.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=secret[:SHOWN_PREFIX], secret_hash=hash_secret(secret),
                 scopes=" ".join(sorted(scope.value for scope in scopes)),
                 expires_at=expires_at, created_by=by)
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", actor=by, target=key, summary=f"{name} ({key.scopes})")
    return key, secret


def revoke_key(key: ApiKey, *, by: User) -> None:
    """Stop a key working at once; it stays listed, marked revoked."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.flush()
        audit.record("api_key.revoked", actor=by, target=key, summary=key.name)


@dataclass(frozen=True)
class KeyInUse:
    """The key a request was made with, read as one row (no ORM object on the hot path)."""

    id: int
    name: str
    scopes: frozenset[Scope]
    created_by_id: int | None
    use_noted: bool = False  # its last use was written by this request (the caller commits)


class Found(NamedTuple):
    """A key as looked up, with the stamp read with it and the write count before the read."""

    key: KeyInUse
    stamp: int
    writes: int
    ends: float | None  # its expiry, in seconds since the epoch


class FoundKeys:
    """The keys this worker looked up, reused while Redis's count of writes stands where it
    stood before the lookup (portal/api/write_count.py), for API_KEY_RECHECK_SECONDS at most:
    revoking or changing a key raises the count, and its expiry is checked here. Thread-safe."""

    def __init__(self, seconds: float) -> None:
        self.entries: TTLCache[tuple, Found] = TTLCache(maxsize=10_000, ttl=seconds)
        self.lock = threading.Lock()

    def get(self, lookup: tuple, writes: int) -> Found | None:
        """The lookup still good at this write count, if any."""
        with self.lock:
            found = self.entries.get(lookup)
        if found is None or found.writes != writes:
            return None
        return found if found.ends is None or found.ends > time.time() else None

    def keep(self, lookup: tuple, found: Found) -> None:
        """Keep a lookup."""
        with self.lock:
            self.entries[lookup] = found


FOUND = "api.found_keys"  # app.extensions key
freshness.watch(ApiKey.__table__)  # revoking or changing a key raises the write count


def register(app: Flask) -> None:
    """Give this app its own, empty store of keys looked up."""
    app.extensions[FOUND] = FoundKeys(float(app.config["API_KEY_RECHECK_SECONDS"]))


@cache
def _by_hash(tables: tuple[str, ...]) -> Select:
    """The usable key by the hash of its secret (neither revoked nor expired at `now`), whether
    its last use is worth writing, and the stamp of these tables if any: as few columns as a
    request needs, built once per set of tables."""
    note_use = or_(ApiKey.last_used_at.is_(None),
                   ApiKey.last_used_at <= bindparam("used_before", type_=UTCDateTime))
    columns = [ApiKey.id, ApiKey.name, ApiKey.scopes, ApiKey.created_by_id, ApiKey.expires_at,
               note_use.label("note_use")]
    if tables:
        columns.append(freshness.stamp(tables).label("stamp"))
    now = bindparam("now", type_=UTCDateTime)
    return select(*columns).where(
        ApiKey.secret_hash == bindparam("digest"), ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now))


@cache
def _scopes(listed: str) -> frozenset[Scope]:
    return frozenset(Scope(value) for value in listed.split())


def _connection() -> Connection:
    """A connection of its own, not the session's: a read answered from the kept answers needs
    nothing else from the database, and a session costs twice as much to set up. On
    PostgreSQL outside a transaction (no BEGIN and ROLLBACK round trips); SQLite reads
    outside one anyway, and switching its mode costs more than it saves."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def key_for_secret(secret: str, tables: tuple[str, ...] = (),
                   writes: int | None = None) -> tuple[KeyInUse | None, int]:
    """The usable key with this secret, or None (unknown, revoked or expired), and the stamp
    of `tables` read in the same statement (0 without tables). Its last use is noted, at most
    once a minute, flushed: the caller commits. With the write count of this request (None
    without Redis), a lookup made at the same count is reused, without the database."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None, 0
    lookup = (hash_secret(secret), tables)
    found_keys: FoundKeys = current_app.extensions[FOUND]
    found = found_keys.get(lookup, writes) if writes is not None else None
    if found is not None:
        return found.key, found.stamp
    now = utcnow()
    with _connection() as connection:
        row = connection.execute(_by_hash(tables), {
            "digest": lookup[0], "now": now, "used_before": now - LAST_USED_STEP,
        }).one_or_none()
    if row is None:
        return None, 0
    if row.note_use:
        db.session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now)
                           .execution_options(**{freshness.UNSHOWN: True}))
    key = KeyInUse(id=row.id, name=row.name, created_by_id=row.created_by_id,
                   use_noted=bool(row.note_use), scopes=_scopes(row.scopes))
    stamp = int(row.stamp) if tables else 0
    if writes is not None:
        ends = row.expires_at.timestamp() if row.expires_at else None
        found_keys.keep(lookup, Found(replace(key, use_noted=False), stamp, writes, ends))
    return key, stamp


def all_keys() -> list[ApiKey]:
    """Every key, newest first, for the admin page."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))
