"""The declarative base with a naming convention, the column types every feature shares, and
the time helpers (now in UTC, a named timezone or UTC) they all use."""

import enum
import logging
import sqlite3
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime, Enum, MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
MAX_ID = 2**31 - 1  # the largest value an integer id column holds on every database

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every model's base; named constraints let Alembic alter them on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC; pass the function, not its result, as a default."""
    return datetime.now(UTC)


def zone_or_utc(zone_name: str | None) -> ZoneInfo:
    """The IANA timezone of this name; UTC when it is empty or unknown here (a stored name
    this machine's timezone data lacks must not break a page or an email)."""
    try:
        return ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def timezone_names() -> list[str]:
    """The IANA timezone names a user or organisation may choose."""
    return sorted(available_timezones())


def local_today(zone_name: str) -> date:
    """Today's date in the given IANA timezone (UTC if the name is unknown)."""
    return utcnow().astimezone(zone_or_utc(zone_name)).date()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use portal.db.utcnow() or an aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A string column limited to the enum's values by a named CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


def sqlite_local_date(moment: str | None, zone_name: str | None) -> str | None:
    """SQLite's local_date(moment, zone): the ISO date of a stored UTC timestamp in a timezone
    (SQLite knows none; PostgreSQL's timezone() does the same)."""
    if moment is None:
        return None
    value = datetime.fromisoformat(moment)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone_or_utc(zone_name)).date().isoformat()


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """Foreign keys, WAL and a busy timeout on every SQLite connection, not only the first."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.create_function("local_date", 2, sqlite_local_date, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    cursor.close()
    if mode != "wal":
        # An in-memory database answers "memory"; a file that cannot use WAL must be noticed.
        log.warning("SQLite refused WAL mode and runs in %r journal mode", mode)


def database_id(text: str) -> int:
    """An id from a query string (`request.args.get(name, type=database_id)`): a number an id
    column can hold, or ValueError, so a huge or negative one reads as absent, not a crash."""
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"not an id: {text[:20]}")
    return value


PING_AFTER_IDLE_SECONDS = 10  # a pooled PostgreSQL connection unused this long is pinged first


def ping_when_idle(engine) -> None:
    """Ping a pooled connection before use only when it sat idle PING_AFTER_IDLE_SECONDS or
    more (a server restart or an idle timeout drops those), and replace it if the ping fails.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip per request, about a
    quarter of what a page read from the API's kept answers costs on PostgreSQL. A connection
    returned moments ago answered moments ago; if the server went away since, the request
    fails as any request in flight then would, and the pool replaces its connections.
    """

    @event.listens_for(engine, "checkin")
    def _note_idle(dbapi_connection, connection_record) -> None:
        connection_record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        idle_since = connection_record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 (any failure: the pool connects afresh)
            raise exc.DisconnectionError(str(error)) from error
