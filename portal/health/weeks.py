"""The weeks health counts in: ISO weeks starting Monday 00:00 UTC, as people write them."""

from datetime import UTC, date, datetime, time, timedelta

# How many weeks back, this one included, the lists and the account page read snapshots: the
# trend they draw, and how old a snapshot may be and still be shown as the account's score.
TREND_WEEKS = 12


def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week a moment falls in."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_begins_at(week: date) -> datetime:
    """Monday 00:00 UTC of the week: the moment a week's snapshot is computed as of."""
    return datetime.combine(week, time(), tzinfo=UTC)


def week_label(week: date) -> str:
    """ISO week as people write it: 2026-W14."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def trend_weeks(this_week: date) -> list[date]:
    """The Mondays of the trend window, oldest first, ending with this week."""
    return [this_week - timedelta(days=7 * back) for back in range(TREND_WEEKS - 1, -1, -1)]
