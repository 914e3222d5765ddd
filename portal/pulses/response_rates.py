"""Response rate by quarter, for the firm or one account: pulses sent, answered and reminded,
next to the bar staffing award programmes use. The quarters run in the account's timezone
(the firm's in UTC), each counting the pulses sent in it, answered at any time so far; a
placement check-in is not a satisfaction pulse and is not counted."""

from dataclasses import dataclass
from datetime import date, datetime, time
from fractions import Fraction

from sqlalchemy import exists, select

from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.pulses.models import PulseReminder, PulseRequest
from portal.pulses.reports import SATISFACTION, share

# The response rate staffing award programmes are taken to ask of a client survey (issue #18's
# figure): shown beside ours as a bar to compare with, not as a claim that the firm qualifies
# for anything. See the README.
AWARD_RESPONSE_RATE_BAR = Fraction(20, 100)


@dataclass(frozen=True)
class QuarterRate:
    """One quarter's pulses: sent in it, answered (ever), reminded at least once."""

    label: str  # "Q4 2026"
    start: datetime
    end: datetime
    sent: int
    answered: int
    reminded: int

    @property
    def rate(self) -> Fraction | None:
        return share(self.answered, self.sent)

    @property
    def meets_bar(self) -> bool:
        return self.rate is not None and self.rate >= AWARD_RESPONSE_RATE_BAR


def quarter_of(day: date) -> date:
    """The first day of the quarter `day` is in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarters(today: date, count: int) -> list[date]:
    first = quarter_of(today)
    starts = [first]
    for _ in range(count - 1):
        month = starts[-1].month - 3
        starts.append(date(starts[-1].year - (month < 1), month + 12 * (month < 1), 1))
    return starts[::-1]


def _next(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), month - 12 * (month > 12), 1)


def quarterly_rates(*, organization_id: int | None = None, zone_name: str = "UTC",
                    quarters: int = 4, now: datetime | None = None) -> list[QuarterRate]:
    """The last `quarters` quarters up to `now`'s, oldest first, for one account or the firm."""
    zone = zone_or_utc(zone_name)
    starts = _quarters((now or utcnow()).astimezone(zone).date(), quarters)
    bounds = [(s, datetime.combine(s, time(), tzinfo=zone),
               datetime.combine(_next(s), time(), tzinfo=zone)) for s in starts]
    reminded = exists().where(PulseReminder.request_id == PulseRequest.id,
                              PulseReminder.sent_at.is_not(None))
    stmt = select(PulseRequest.sent_at, PulseRequest.answered_at.is_not(None), reminded).where(
        PulseRequest.sent_at >= bounds[0][1], PulseRequest.sent_at < bounds[-1][2], SATISFACTION)
    if organization_id is not None:
        stmt = stmt.where(PulseRequest.organization_id == organization_id)
    rows = db.session.execute(stmt).all()
    result = []
    for start, begins, ends in bounds:
        inside = [(a, r) for sent_at, a, r in rows if begins <= sent_at < ends]
        result.append(QuarterRate(
            f"Q{(start.month - 1) // 3 + 1} {start.year}", begins, ends, len(inside),
            sum(1 for a, _ in inside if a), sum(1 for _, r in inside if r)))
    return result
