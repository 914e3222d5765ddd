"""The declarative base with a naming convention, the column types every feature shares, and
the time helpers (now in UTC, a named timezone or UTC) they all use."""

import enum
import logging
import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime, Enum, MetaData, event
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
