"""Promises kept and update rhythm: how often the firm delivered by the date it gave the client.

Two honest figures for every delivery (a completed milestone or a closed project):
- against the first date promised, and
- against the last date given at least PROMISE_NOTICE_DAYS before delivery, so that a date
  moved at the last minute does not count as a promise kept.
A date is the client's: an ETA change made at 20:00 in Chicago on 14 Nov was given on 14 Nov,
not on the 15 Nov it already was in UTC (the organisation's timezone; the page says which).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.db import zone_or_utc
from portal.projects.models import EtaChange, Milestone, Project

PROMISE_NOTICE_DAYS = 7


@dataclass(frozen=True)
class Delivery:
    """One thing delivered, with the dates the client had been told."""

    title: str
    delivered_on: date
    first_promised: date | None
    promised_with_notice: date | None

    @property
    def kept_first_promise(self) -> bool:
        return self.first_promised is not None and self.delivered_on <= self.first_promised

    @property
    def kept_promise_with_notice(self) -> bool:
        return (
            self.promised_with_notice is not None
            and self.delivered_on <= self.promised_with_notice
        )


@dataclass(frozen=True)
class PromisesKept:
    """Shares of deliveries on or before the date promised; None when nothing was delivered."""

    deliveries: tuple[Delivery, ...]

    @property
    def count(self) -> int:
        return len(self.deliveries)

    @property
    def kept_first(self) -> int:
        return sum(d.kept_first_promise for d in self.deliveries)

    @property
    def kept_with_notice(self) -> int:
        return sum(d.kept_promise_with_notice for d in self.deliveries)

    @property
    def first_delivered(self) -> date | None:
        return min((d.delivered_on for d in self.deliveries), default=None)

    @property
    def last_delivered(self) -> date | None:
        return max((d.delivered_on for d in self.deliveries), default=None)

    @property
    def share_first(self) -> float | None:
        return self.kept_first / self.count if self.deliveries else None

    @property
    def share_with_notice(self) -> float | None:
        return self.kept_with_notice / self.count if self.deliveries else None


@dataclass(frozen=True)
class UpdateRhythm:
    """How often updates came, against the cadence promised."""

    updates: int
    average_days: float | None
    promised_days: float
    gaps: int = 0  # the intervals between consecutive updates the average is taken over

    @property
    def kept(self) -> bool | None:
        return None if self.average_days is None else self.average_days <= self.promised_days


def _eta_given_by(changes: list[EtaChange], first: date | None, day: date,
                  zone: str) -> date | None:
    """The ETA the client had been given by the end of `day` where they are (changes oldest
    first)."""
    eta = first
    for change in changes:
        if change.changed_at.astimezone(zone_or_utc(zone)).date() <= day:
            eta = change.new_eta
    return eta


def _first_eta(changes: list[EtaChange], current: date | None) -> date | None:
    return changes[0].old_eta if changes and changes[0].old_eta else (
        changes[0].new_eta if changes else current
    )


def _delivery(title: str, delivered_on: date, first: date | None,
              changes: list[EtaChange], zone: str) -> Delivery:
    notice_day = delivered_on - timedelta(days=PROMISE_NOTICE_DAYS)
    return Delivery(
        title=title, delivered_on=delivered_on, first_promised=first,
        promised_with_notice=_eta_given_by(changes, first, notice_day, zone),
    )


def milestone_delivery(milestone: Milestone, changes: list[EtaChange],
                       zone: str = "UTC") -> Delivery | None:
    """The delivery record of a completed milestone; `changes` are its own, oldest first, and
    `zone` the client's timezone, which dates them."""
    if milestone.completed_on is None:
        return None
    first = milestone.planned_on or _first_eta(changes, milestone.eta)
    return _delivery(milestone.title, milestone.completed_on, first, changes, zone)


def project_delivery(project: Project, changes: list[EtaChange]) -> Delivery | None:
    """The delivery record of a closed project; `changes` are the project-level ones."""
    if project.closed_on is None:
        return None
    return _delivery(project.name, project.closed_on, _first_eta(changes, project.eta), changes,
                     project.organization.timezone)


def first_promised(project: Project) -> date | None:
    """The project's first ETA: before its first change, or the current one if never moved."""
    changes = sorted(
        (c for c in project.eta_changes if c.milestone_id is None), key=lambda c: c.changed_at
    )
    return _first_eta(changes, project.eta)


def deliveries_of(project: Project) -> list[Delivery]:
    """Every delivery of one project: its completed milestones, and itself once closed."""
    changes = sorted(project.eta_changes, key=lambda c: c.changed_at)
    by_milestone: dict[int | None, list[EtaChange]] = {}
    for change in changes:
        by_milestone.setdefault(change.milestone_id, []).append(change)
    zone = project.organization.timezone
    records = [milestone_delivery(m, by_milestone.get(m.id, []), zone)
               for m in project.milestones]
    records.append(project_delivery(project, by_milestone.get(None, [])))
    return [r for r in records if r is not None]


def promises_kept(projects: Iterable[Project]) -> PromisesKept:
    """Promises kept over the given projects' milestones and closings."""
    return PromisesKept(tuple(d for p in projects for d in deliveries_of(p)))


@dataclass(frozen=True)
class UpdateSpan:
    """A project's first and last update and how many there were."""

    first: datetime | None
    last: datetime | None
    count: int


def update_rhythm(spans: Iterable[tuple[UpdateSpan, int]]) -> UpdateRhythm:
    """Average days between updates against the promised cadence, over (span, cadence) pairs.

    The gaps between consecutive updates add up to last minus first, so the average gap needs
    only each project's first, last and count.
    """
    days = promised = 0.0
    updates = gaps = 0
    for span, cadence in spans:
        updates += span.count
        if span.count >= 2:
            days += (span.last - span.first).total_seconds() / 86400
            gaps += span.count - 1
            promised += cadence * (span.count - 1)
    if not gaps:
        return UpdateRhythm(updates, None, 0.0)
    return UpdateRhythm(updates, days / gaps, promised / gaps, gaps)


def days_in_words(days: int) -> str:
    """A delivery against a date: '3 days late', '1 day early' or 'on time'."""
    if days == 0:
        return "on time"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'late' if days > 0 else 'early'}"


@dataclass(frozen=True)
class ProjectDelivered:
    """A closed project's delivery date against the first date promised and the last ETA."""

    delivered_on: date
    first_promised: date | None
    last_eta: date | None
    eta_moved: bool

    @property
    def against_first(self) -> str | None:
        if self.first_promised is None:
            return None
        return days_in_words((self.delivered_on - self.first_promised).days)

    @property
    def against_last(self) -> str | None:
        return days_in_words((self.delivered_on - self.last_eta).days) if self.last_eta else None


def project_delivered(project: Project) -> ProjectDelivered | None:
    """How a closed project's delivery compares with its dates (the closeout's 'The whole
    project' row says the same); None while it is open."""
    if project.closed_on is None:
        return None
    return ProjectDelivered(
        project.closed_on, first_promised(project), project.eta,
        any(c.milestone_id is None for c in project.eta_changes),
    )
