"""Health fixtures: the week a test runs in, read as it starts (a week read when the module is
imported is last week's once the suite runs past Monday 00:00 UTC)."""

from datetime import date, datetime, timedelta

import pytest

from portal.db import utcnow
from portal.health import weeks


@pytest.fixture
def this_week() -> date:
    """This week's Monday (UTC): the week a snapshot taken now is of."""
    return weeks.week_start(utcnow())


@pytest.fixture
def this_monday(this_week) -> datetime:
    """This Monday 00:00 UTC: this week's snapshot is as of it."""
    return weeks.week_begins_at(this_week)


@pytest.fixture
def next_monday(this_week) -> datetime:
    """Next Monday 00:00 UTC: a moment after everything the test makes now."""
    return weeks.week_begins_at(this_week + timedelta(days=7))
