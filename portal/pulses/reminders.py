"""Reminders of unanswered pulses: at most two (by default 3 and 7 days after sending,
admin-set), only while the pulse is unanswered and can still be answered, each through the
person's ask budget. A reminder counts towards that budget only, never the pulse fatigue
rule. Functions flush; the caller commits.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import asks
from portal.notifications import services as notifications
from portal.notifications.models import Ask, AskKind, AskState
from portal.notifications.quiet_hours import ask_rules, quiet_until
from portal.pulses.models import PulseReminder, PulseRequest, RequestState
from portal.pulses.services import answer_token


def answer_window(request: PulseRequest) -> datetime:
    """The moment after which the pulse can no longer be answered."""
    return request.sent_at + timedelta(days=int(current_app.config["PULSE_ANSWER_DAYS"]))


def _can_remind(request: PulseRequest, now: datetime) -> bool:
    """Unanswered, from someone who gets emails, and the reminder would arrive (after any
    quiet hours) before the pulse closes."""
    if request.state != RequestState.SENT or not notifications.wants_email(request.user):
        return False
    arrives = quiet_until(request.user, now) or now
    return arrives < answer_window(request)


def _due_number(request: PulseRequest, days: tuple[int, int], now: datetime) -> int:
    """The latest reminder whose day has come (0: none yet)."""
    return max((n for n, day in enumerate(days, 1)
                if request.sent_at + timedelta(days=day) <= now), default=0)


def send_due_reminders(now: datetime | None = None) -> list[PulseReminder]:
    """Make the reminders that are due and ask for each; run it as often as you like, each
    reminder is made once. A missed day is not made up: on day 8 only the second one goes."""
    now = now or utcnow()
    days = ask_rules().reminder_days
    window = timedelta(days=int(current_app.config["PULSE_ANSWER_DAYS"]))
    made = dict(db.session.execute(select(PulseReminder.request_id, func.max(
        PulseReminder.number)).group_by(PulseReminder.request_id)).all())
    candidates = db.session.scalars(select(PulseRequest).where(
        PulseRequest.state == RequestState.SENT, PulseRequest.sent_at > now - window,
        PulseRequest.sent_at <= now - timedelta(days=days[0]),
    ).options(selectinload(PulseRequest.user).selectinload(User.organization))
        .order_by(PulseRequest.sent_at, PulseRequest.id)).all()
    sent = []
    for request in candidates:
        number = _due_number(request, days, now)
        if number <= made.get(request.id, 0) or not _can_remind(request, now):
            continue
        reminder = PulseReminder(request=request, number=number, created_at=now)
        db.session.add(reminder)
        db.session.flush()
        ask = asks.request_ask(request.user, AskKind.REMINDER, asks.Priority.REMINDER,
                               key=f"reminder:{request.id}:{number}", now=now)
        if ask.state == AskState.SENT and reminder.sent_at is None:
            _deliver(reminder, now)
            sent.append(reminder)
    return sent


def _deliver(reminder: PulseReminder, now: datetime) -> None:
    reminder.sent_at = now
    db.session.flush()
    notifications.queue_pulse_reminder(reminder, token=answer_token(reminder.request),
                                       closes=answer_window(reminder.request))


def _send_waiting(ask: Ask, now: datetime) -> bool:
    """A reminder that waited for the budget goes now, unless the pulse was answered or is
    closing, or a later reminder replaced it."""
    request_id, number = (int(part) for part in ask.subject_key.split(":")[1:])
    reminder = db.session.scalars(select(PulseReminder).where(
        PulseReminder.request_id == request_id, PulseReminder.number == number)).first()
    if reminder is None or reminder.sent_at is not None or not _can_remind(
            reminder.request, now):
        return False
    if db.session.scalar(select(PulseReminder.id).where(
            PulseReminder.request_id == request_id, PulseReminder.number > number)):
        return False
    _deliver(reminder, now)
    return True


asks.register_sender(AskKind.REMINDER, _send_waiting)
