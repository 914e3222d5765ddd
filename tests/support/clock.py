"""A clock for tests: every portal module's `utcnow` reads it, so code that takes no `now`
(queueing an email, the staff page) sees the moment the test set."""

import sys
from datetime import datetime, timedelta

import pytest

from portal import db as portal_db

REAL_UTCNOW = portal_db.utcnow


class Clock:
    """The time every portal module sees as now, set and moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
        self.moment = moment
        for name, module in list(sys.modules.items()):
            if name.startswith("portal") and getattr(module, "utcnow", None) is REAL_UTCNOW:
                monkeypatch.setattr(module, "utcnow", self.now)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> datetime:
        self.moment = moment
        return moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment
