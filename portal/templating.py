"""Jinja filters and globals shared by every template."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask_login import current_user

from portal.markdown import render_markdown


def _viewer_zone() -> ZoneInfo:
    """The signed-in user's timezone, UTC for visitors or an unknown zone name."""
    name = current_user.effective_timezone if current_user.is_authenticated else "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_date(value: date | None) -> str:
    """A calendar date as '3 Mar 2026'."""
    return value.strftime("%-d %b %Y") if value else "—"


def format_datetime(value: datetime | None) -> str:
    """A moment in the viewer's timezone, as '3 Mar 2026, 14:05 CET'."""
    if value is None:
        return "—"
    return value.astimezone(_viewer_zone()).strftime("%-d %b %Y, %H:%M %Z")


def register(app: Flask) -> None:
    """Make the filters and globals available to all templates."""
    app.jinja_env.filters.update(
        markdown=render_markdown, date=format_date, datetime=format_datetime
    )
    app.jinja_env.globals.update(firm_name=app.config["FIRM_NAME"])
