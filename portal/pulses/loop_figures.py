"""How well the loop closes, for the pulse reports: the retained rate (of accounts with a low
answer, the share whose next answer was not low) and the time to close the loop (median and
90th percentile). Each says its window and n; tests recompute them with their own queries."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select

from portal.db import utcnow
from portal.extensions import db
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, Scale
from portal.pulses.reports import SATISFACTION, Scope, share

# An answer is low as Scale.is_low says: CSAT 1-2, NPS 0-6, CES 1-3.
LOW = or_(*(and_(PulseAnswer.scale == scale, PulseAnswer.score <= top)
            for scale, top in ((Scale.CSAT, 2), (Scale.NPS, 6), (Scale.CES, 3))))


@dataclass(frozen=True)
class Retention:
    """Accounts with a low pulse in the scope's dates; of those that answered again since
    (`followed`, the n), how many answered not low next (`retained`)."""

    low_accounts: int
    followed: int
    retained: int

    @property
    def rate(self) -> Fraction | None:
        return share(self.retained, self.followed)

    @property
    def waiting(self) -> int:
        """Accounts with a low answer that have not answered again yet."""
        return self.low_accounts - self.followed


def _filtered(stmt, scope: Scope):
    if scope.organization_id:
        stmt = stmt.where(PulseRequest.organization_id == scope.organization_id)
    if scope.project_id:
        stmt = stmt.where(PulseRequest.project_id == scope.project_id)
    return stmt


def retention(scope: Scope, now: datetime | None = None) -> Retention:
    """Per account, its first low pulse answered in the scope's dates and the next pulse anyone
    there answered after it (up to now): retained when that one had no low score. A pulse is
    low when any of its answers is; check-ins are not satisfaction pulses and count neither way."""
    low = func.max(case((LOW, 1), else_=0)).label("low")
    rows = db.session.execute(_filtered(
        select(PulseRequest.organization_id, PulseRequest.answered_at, low)
        .join(PulseAnswer, PulseAnswer.request_id == PulseRequest.id)
        .where(PulseRequest.answered_at >= scope.start,
               PulseRequest.answered_at <= (now or utcnow()), SATISFACTION), scope)
        .group_by(PulseRequest.organization_id, PulseRequest.id, PulseRequest.answered_at)
        .order_by(PulseRequest.organization_id, PulseRequest.answered_at, PulseRequest.id)).all()
    first_low: dict[int, int] = {}  # account -> index of its first low pulse in the dates
    next_low: dict[int, bool] = {}  # account -> whether the pulse after that one was low
    for index, (account, answered_at, is_low) in enumerate(rows):
        if account in first_low:
            if account not in next_low:
                next_low[account] = bool(is_low)
        elif is_low and answered_at < scope.end:
            first_low[account] = index
    return Retention(low_accounts=len(first_low), followed=len(next_low),
                     retained=sum(not was_low for was_low in next_low.values()))


@dataclass(frozen=True)
class TimeToClose:
    """Follow-ups opened in the scope's dates: how long the resolved ones took from opening to
    their (latest) resolution, and how many are still open."""

    durations: tuple[timedelta, ...]  # sorted
    still_open: int

    @property
    def closed(self) -> int:
        return len(self.durations)

    @property
    def median(self) -> timedelta | None:
        d, n = self.durations, len(self.durations)
        if not n:
            return None
        return d[n // 2] if n % 2 else (d[n // 2 - 1] + d[n // 2]) / 2

    @property
    def p90(self) -> timedelta | None:
        """The 90th percentile by nearest rank: the ⌈0.9·n⌉-th shortest."""
        n = len(self.durations)
        return self.durations[math.ceil(0.9 * n) - 1] if n else None


def time_to_close(scope: Scope) -> TimeToClose:
    """Opening to resolution of the follow-ups opened in the scope's dates (a reopened one
    counts once, to its latest resolution, and not while it is open again)."""
    rows = db.session.execute(_filtered(
        select(FollowUp.opened_at, FollowUp.resolved_at)
        .join(PulseRequest, PulseRequest.id == FollowUp.request_id)
        .where(FollowUp.opened_at >= scope.start, FollowUp.opened_at < scope.end), scope)).all()
    durations = sorted(resolved - opened for opened, resolved in rows if resolved is not None)
    return TimeToClose(durations=tuple(durations), still_open=len(rows) - len(durations))


def in_days(value: timedelta | None) -> Fraction | None:
    """A duration in days, exactly (rounded once, when shown)."""
    return None if value is None else Fraction(int(value.total_seconds()), 86400)
