"""One ask budget per client person: everything the portal asks of them (pulses, reminders,
check-ins) goes through request_ask, at most one new ask in any 24 hours, waiting in priority
order. A waiting ask is a row; release_waiting sends each person's next one when their budget
allows, through the sender its feature registered. Functions flush; the caller commits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.auth.models import User
from portal.concurrency import lock
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.notifications.models import Ask, AskKind, AskState, OutboxMessage, OutboxStatus
from portal.notifications.quiet_hours import describe_hold, held_kind

BUDGET = timedelta(hours=24)  # at most one new ask per person in any 24 hours


class Priority:
    """Lower goes first when asks wait for the same person."""

    CLOSEOUT = 0
    CHECK_IN = 10
    MILESTONE = 20
    UPDATE = 30
    REMINDER = 40
    PERIODIC = 50


# A waiting ask's kind -> the function that sends it now; False: nothing left to send (what
# it asked about was answered, deleted or held by its own kind's rule), so the ask is dropped.
Sender = Callable[[Ask, datetime], bool]
_senders: dict[AskKind, Sender] = {}


def register_sender(kind: AskKind, sender: Sender) -> None:
    """The feature that asks this kind says how a waiting ask of it is sent later."""
    _senders[kind] = sender


def last_sent(user_id: int, now: datetime) -> datetime | None:
    """When the person's latest ask went out (by `now`)."""
    return db.session.scalar(select(func.max(Ask.sent_at)).where(
        Ask.user_id == user_id, Ask.state == AskState.SENT, Ask.sent_at <= now))


def next_free(user_id: int, now: datetime) -> datetime:
    """The first moment the person's budget allows a new ask."""
    last = last_sent(user_id, now)
    return max(last + BUDGET, now) if last else now


def _waiting(user_id: int, now: datetime) -> list[Ask]:
    return list(db.session.scalars(select(Ask).where(
        Ask.user_id == user_id, Ask.state == AskState.WAITING, Ask.created_at <= now,
    ).order_by(Ask.priority, Ask.created_at, Ask.id)))


def _reason(user: User, at: datetime) -> str:
    local = at.astimezone(zone_or_utc(user.effective_timezone))
    return (f"held: one ask per 24 h, next at {local:%a %-d %b %H:%M} "
            f"{user.effective_timezone or 'UTC'}")[:300]


def request_ask(person: User, kind: AskKind, priority: int, *, key: str,
                now: datetime | None = None, always: bool = False) -> Ask:
    """Ask `person` for something; SENT means the caller sends it now, WAITING that it waits
    (with its reason) for release_waiting. Asking again for the same key is the same ask.

    `always`: sent now whatever the budget, and counted in it (an ask riding on an email the
    person gets anyway, such as the closeout pulse in the closeout email)."""
    now = now or utcnow()
    db.session.flush()
    lock(person)  # two asks at once for one person: one gets the budget, the other waits
    ask = db.session.scalars(select(Ask).where(Ask.subject_key == key)).first()
    if ask is not None and ask.state != AskState.DROPPED:
        return ask
    if ask is None:
        ask = Ask(user=person, kind=kind, subject_key=key)
        db.session.add(ask)
    ask.priority, ask.state, ask.created_at, ask.sent_at = priority, AskState.WAITING, now, None
    db.session.flush()
    ahead = [a for a in _waiting(person.id, now) if a.id != ask.id
             and (a.priority, a.created_at, a.id) < (ask.priority, ask.created_at, ask.id)]
    free = next_free(person.id, now) <= now
    if always or (free and not ahead):
        ask.state, ask.sent_at, ask.hold_reason = AskState.SENT, now, None
        db.session.flush()
        _note_waiting(person, now)
        return ask
    if free:
        _release_for(person, now)
    else:
        _note_waiting(person, now)
    return ask


def _note_waiting(person: User, now: datetime) -> None:
    """Each waiting ask says why it waits and until when."""
    reason = _reason(person, next_free(person.id, now))
    for ask in _waiting(person.id, now):
        ask.hold_reason = reason
    db.session.flush()


def _release_for(person: User, now: datetime) -> Ask | None:
    """Send the person's first waiting ask that still has something to send, if their budget
    allows; the ones with nothing left are dropped on the way."""
    if next_free(person.id, now) > now:
        _note_waiting(person, now)
        return None
    for ask in _waiting(person.id, now):
        sender = _senders.get(ask.kind)
        if sender is None:
            continue  # its feature is not loaded in this process: it waits, never lost
        if sender(ask, now):
            ask.state, ask.sent_at, ask.hold_reason = AskState.SENT, now, None
            db.session.flush()
            _note_waiting(person, now)
            return ask
        ask.state, ask.hold_reason = AskState.DROPPED, "dropped: nothing left to ask"
        db.session.flush()
    return None


def release_waiting(now: datetime | None = None) -> list[Ask]:
    """The scheduled job's step: each person's next waiting ask goes out once their 24 hours
    are over, in priority order. Running it twice at once or again sends nothing twice."""
    now = now or utcnow()
    user_ids = db.session.scalars(select(Ask.user_id).where(
        Ask.state == AskState.WAITING, Ask.created_at <= now).distinct().order_by(Ask.user_id))
    released = []
    for user_id in list(user_ids):
        person = db.session.get(User, user_id)
        lock(person)
        ask = _release_for(person, now)
        if ask is not None:
            released.append(ask)
    return released


@dataclass(frozen=True)
class Waiting:
    """Something the portal has not yet sent a client person, and why."""

    person: User
    what: str
    reason: str


def waiting_asks(kinds: tuple[AskKind, ...], now: datetime | None = None) -> list[Waiting]:
    """The waiting asks of these kinds, with their reason, in the order they would go."""
    rows = db.session.scalars(select(Ask).where(
        Ask.state == AskState.WAITING, Ask.kind.in_(kinds))
        .options(selectinload(Ask.user).selectinload(User.organization))
        .order_by(Ask.user_id, Ask.priority, Ask.created_at))
    return [Waiting(a.user, a.kind.value.replace("_", " "),
                    a.hold_reason or _reason(a.user, next_free(a.user_id, now or utcnow())))
            for a in rows]


def emails_in_quiet_hours(now: datetime | None = None) -> list[Waiting]:
    """Emails to client people waiting for the end of their quiet hours."""
    now = now or utcnow()
    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0,
        OutboxMessage.next_attempt_at > now,
    ).options(selectinload(OutboxMessage.user).selectinload(User.organization))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(500))
    return [Waiting(m.user, f"{m.kind.value.replace('_', ' ')} email",
                    describe_hold(m.user, m.next_attempt_at))
            for m in rows if held_kind(m.user, m.kind)]
