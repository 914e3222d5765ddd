"""Values pulses: a periodic pulse may also ask "This month, did we live <value>?" (1-5, with a
comment), one value at a time in rotation, and the answers per value over time.

Functions flush, never commit. What a client sees of this is the question, never the scores
(the /values page stays about the values).
"""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock_table
from portal.content.models import ValueItem
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.pulses.models import (
    PulseRequest,
    Trigger,
    ValueAnswer,
    ValuesPulseSettings,
)

MONTHS_SHOWN = 6


def every_nth() -> int:
    """Every how many periodic pulses a person gets one asks about a value (0: never)."""
    settings = db.session.get(ValuesPulseSettings, 1)
    return settings.every_nth if settings else 1


def all_values() -> list[ValueItem]:
    """The firm's values, in the order the firm lists them."""
    return list(db.session.scalars(select(ValueItem).order_by(ValueItem.position)))


def asked_values() -> list[ValueItem]:
    """The firm's values that periodic pulses ask about, in the order the firm lists them."""
    return list(db.session.scalars(select(ValueItem).where(ValueItem.asked_in_pulses.is_(True))
                                   .order_by(ValueItem.position)))


def save_settings(*, every: int, asked: set[int], by: User | None = None) -> None:
    """Which values are asked about, and every how many periodic pulses; audited."""
    if not 0 <= every <= 12:
        raise ValueError("Choose how often from the list.")
    lock_table(ValuesPulseSettings)  # one row, perhaps not there yet: two first saves at once
    settings = db.session.get(ValuesPulseSettings, 1) or ValuesPulseSettings(id=1)
    settings.every_nth, settings.updated_at = every, utcnow()
    db.session.add(settings)
    titles = []
    for value in db.session.scalars(select(ValueItem).order_by(ValueItem.position)):
        value.asked_in_pulses = value.id in asked
        titles += [value.title] if value.asked_in_pulses else []
    audit.record("pulses.values_settings_changed", actor=by, summary=(
        f"every {every} periodic pulse(s) asks about one of: {', '.join(titles) or 'none'}"
        if every else "periodic pulses ask about no value"))
    db.session.flush()


def value_for_periodic(user: User) -> ValueItem | None:
    """The value this person's next periodic pulse asks about: every nth periodic pulse they
    get, the next asked value in turn after the one they were last asked (None: no value)."""
    every, values = every_nth(), asked_values()
    if not every or not values:
        return None
    earlier = db.session.scalar(select(func.count()).where(
        PulseRequest.user_id == user.id, PulseRequest.trigger == Trigger.PERIODIC))
    if earlier % every:
        return None
    return values[(earlier // every) % len(values)]


def question_for(title: str) -> str:
    """The question as the client reads it."""
    return f"This month, did we live “{title}”?"


def record_value_answer(request: PulseRequest, *, score: int, comment: str | None,
                        now: datetime) -> ValueAnswer | None:
    """Keep the client's answer about the value; a changed answer is a new row (the old one
    stays for the weeks that counted it); None when nothing changed."""
    if not 1 <= score <= 5:
        raise ValueError("Choose a score from 1 to 5.")
    comment = (comment or "").strip() or None
    current = request.value_answer
    if current is not None and (current.score, current.comment) == (score, comment):
        return None
    answer = ValueAnswer(request=request, score=score, comment=comment, given_at=now)
    db.session.add(answer)
    db.session.flush()
    return answer


@dataclass(frozen=True)
class ValueRow:
    """One value's answers month by month: (mean 1-5 or None, n) per month shown."""

    title: str
    months: list[tuple[Fraction | None, int]]
    n: int
    mean: Fraction | None


def results_by_value(*, organization_id: int | None = None, zone: str = "UTC",
                     now: datetime | None = None) -> tuple[list[str], list[ValueRow]]:
    """Each value's answers (as they stand now) by the month they were first given, over the
    last six months (calendar months in `zone`), for one account or the whole firm."""
    now = (now or utcnow()).astimezone(zone_or_utc(zone))
    keys = []
    year, month = now.year, now.month
    for _ in range(MONTHS_SHOWN):
        keys.insert(0, (year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    stmt = (select(PulseRequest.id, PulseRequest.value_title, ValueAnswer.score,
                   ValueAnswer.given_at)
            .join(ValueAnswer, ValueAnswer.request_id == PulseRequest.id)
            .order_by(PulseRequest.id, ValueAnswer.given_at, ValueAnswer.id))
    if organization_id:
        stmt = stmt.where(PulseRequest.organization_id == organization_id)
    first: dict[int, datetime] = {}
    latest: dict[int, tuple[str, int]] = {}
    for request_id, title, score, given_at in db.session.execute(stmt):
        first.setdefault(request_id, given_at)
        latest[request_id] = (title, score)
    cells: dict[str, dict[tuple[int, int], list[int]]] = {}
    for request_id, (title, score) in latest.items():
        local = first[request_id].astimezone(zone_or_utc(zone))
        if (local.year, local.month) in keys:
            cells.setdefault(title, {}).setdefault((local.year, local.month), []).append(score)
    rows = []
    for title, by_month in sorted(cells.items()):
        every = [s for scores in by_month.values() for s in scores]
        rows.append(ValueRow(title, [
            (Fraction(sum(by_month[k]), len(by_month[k])) if by_month.get(k) else None,
             len(by_month.get(k, []))) for k in keys], len(every),
            Fraction(sum(every), len(every))))
    labels = [datetime(y, m, 1).strftime("%b %Y") for y, m in keys]
    return labels, rows
