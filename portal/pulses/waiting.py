"""What the portal has not yet sent to whom, and why, for the staff pulse page: pulses held by
the fatigue rule or waiting for the person's ask budget, waiting reminders and check-ins, and
emails held by the person's quiet hours."""

from datetime import datetime

from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.notifications import asks
from portal.notifications.models import Ask, AskKind, AskState
from portal.pulses.services import held_requests


def waiting_for_whom(now: datetime | None = None) -> list[asks.Waiting]:
    """Everything waiting, person by person, each with the reason it waits."""
    now = now or utcnow()
    budget = dict(db.session.execute(select(Ask.subject_key, Ask.hold_reason).where(
        Ask.kind == AskKind.PULSE, Ask.state == AskState.WAITING)).all())
    pulses = [asks.Waiting(r.user, f"{r.trigger.value} pulse",
                           budget.get(f"pulse:{r.id}") or r.hold_reason or "")
              for r in held_requests()]
    others = asks.waiting_asks((AskKind.REMINDER, AskKind.CHECK_IN), now)
    return pulses + others + asks.emails_in_quiet_hours(now)
