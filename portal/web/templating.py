"""Jinja filters and globals shared by every template: dates in the viewer's timezone, Markdown."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from flask import Flask
from flask_login import current_user

from portal.db import utcnow, zone_or_utc
from portal.plain_text import counted
from portal.web import numbers
from portal.web.markdown import render_markdown

LOCALE = "en_GB"


def viewer_zone() -> ZoneInfo:
    """The signed-in user's timezone (their own, else their organisation's), else UTC."""
    return zone_or_utc(current_user.effective_timezone if current_user.is_authenticated else None)


def viewer_today() -> date:
    """Today's date where the viewer is."""
    return utcnow().astimezone(viewer_zone()).date()


def format_date(value: date | None) -> str:
    """A calendar date as '3 Mar 2026'."""
    return value.strftime("%-d %b %Y") if value else "—"


def format_datetime(value: datetime | None) -> str:
    """A moment in the viewer's timezone, as '3 Mar 2026, 14:05 GMT'."""
    return datetime_in(value, viewer_zone().key)


def humanize_moment(value: datetime | None) -> str:
    """'2 hours ago', 'in 3 days': a moment relative to now."""
    if value is None:
        return "never"
    delta = value - utcnow()
    if abs(delta.total_seconds()) < 60:
        return "just now"
    return format_timedelta(delta, add_direction=True, locale=LOCALE)


def humanize_date(value: date | None) -> str:
    """'today', 'in 3 weeks', '2 days ago': a calendar date relative to the viewer's today."""
    if value is None:
        return "no date"
    days = (value - viewer_today()).days
    named = {0: "today", 1: "tomorrow", -1: "yesterday"}
    if days in named:
        return named[days]
    return format_timedelta(value - viewer_today(), granularity="day", add_direction=True,
                            locale=LOCALE)


def format_duration(value: timedelta | None) -> str:
    """'3 hours', '2 days': how long something took; a dash when nothing was measured."""
    return "—" if value is None else format_timedelta(value, locale=LOCALE)


def day_in(value: datetime | None, zone_name: str) -> str:
    """The calendar day of a moment in a named timezone (the client's), as '3 Mar 2026'."""
    return format_date(value.astimezone(zone_or_utc(zone_name)).date()) if value else "—"


def datetime_in(value: datetime | None, zone_name: str) -> str:
    """A moment in a named timezone (an account's), as '3 Mar 2026, 14:05 CST'."""
    if value is None:
        return "—"
    return value.astimezone(zone_or_utc(zone_name)).strftime("%-d %b %Y, %H:%M %Z")


def register(app: Flask) -> None:
    """Make the filters and globals available to all templates."""
    app.jinja_env.filters.update(
        markdown=render_markdown, date=format_date, datetime=format_datetime,
        ago=humanize_moment, relative_date=humanize_date, duration=format_duration, day_in=day_in,
        datetime_in=datetime_in,
        # Every figure rounds by the one rule (portal.web.numbers): never Jinja's round.
        percent=numbers.percent, signed=numbers.signed, decimals=numbers.decimals,
        whole=numbers.round_half_up, counted=counted,
    )
    app.jinja_env.globals.update(firm_name=app.config["FIRM_NAME"])
