"""Fixtures for the ask budget, reminders and quiet-hours tests."""

from datetime import UTC, datetime

import pytest

from tests.support.clock import Clock


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    """Now is what the test says (Wednesday 2 Dec 2026, 10:00 UTC, to begin with)."""
    return Clock(monkeypatch, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
def quiet(app) -> None:
    """Quiet hours on, as in production (the suite turns them off: see tests/conftest.py)."""
    app.config["QUIET_HOURS_ENABLED"] = True
