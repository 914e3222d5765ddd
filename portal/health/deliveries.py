"""Every account's promises kept before a day, for the health metric, counted by the database.

The rules are portal.projects.track_record's own (the client page's definition), written here
as SQL so that a recompute of every account reads one row per account instead of every
delivery and ETA change (reading those rows through track_record in Python had cost more than
the rest of the promises metric). For each completed milestone and closed project:
- the first date promised: a milestone's planned date, else its first ETA change's old ETA
  (or new, without an old one), else its ETA; a project's the same without a planned date;
- the date given with notice: the new ETA of its last change made on a date, in the account's
  timezone, at least PROMISE_NOTICE_DAYS before delivery, else the first date promised;
- each promise kept when delivered on or before it.
tests/health/test_health.py checks these counts against track_record's, account by account.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, and_, case, func, literal, null, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.accounts.models import Organization
from portal.extensions import db
from portal.projects.models import EtaChange, Milestone, Project
from portal.projects.track_record import PROMISE_NOTICE_DAYS


@dataclass(frozen=True)
class PromiseCounts:
    """An account's deliveries, and how many came by the first date and by the date given
    PROMISE_NOTICE_DAYS ahead: track_record.PromisesKept's figures."""

    count: int = 0
    kept_first: int = 0
    kept_with_notice: int = 0

    @property
    def share_with_notice(self) -> float | None:
        return self.kept_with_notice / self.count if self.count else None


class local_days_until(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """Whole days from the date of a timestamp in a timezone (a column of IANA names) to a
    date."""

    type = Integer()
    inherit_cache = True


@compiles(local_days_until, "sqlite")
def _days_sqlite(element, compiler, **kw) -> str:
    # SQLite holds dates as ISO text and has no timezones: portal.db gives every connection
    # local_date(moment, zone), Python's own zoneinfo, the rule track_record follows.
    moment, zone, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({day}) - julianday(local_date({moment}, {zone})) AS INTEGER)"


@compiles(local_days_until, "postgresql")
def _days_postgresql(element, compiler, **kw) -> str:
    moment, zone, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} - CAST(timezone({zone}, {moment}) AS DATE))"


NO_MILESTONE = 0  # the owner key of a project's own ETA changes (ids start at 1)


def _deliveries(organization_ids: list[int], day: date):
    """Completed milestones and closed projects before `day`: the account and its timezone,
    the owner of their
    ETA changes (project, milestone or NO_MILESTONE), the delivery date and the dates a
    promise falls back on (a milestone's planned date first, then the ETA)."""
    milestones = (
        select(Project.organization_id.label("org"), Organization.timezone.label("zone"),
               Milestone.project_id, Milestone.id.label("owner"),
               Milestone.completed_on.label("delivered"), Milestone.planned_on.label("planned"),
               Milestone.eta)
        .join(Project, Project.id == Milestone.project_id)
        .join(Organization, Organization.id == Project.organization_id)
        .where(Project.organization_id.in_(organization_ids), Milestone.completed_on < day)
    )
    projects = (
        select(Project.organization_id, Organization.timezone, Project.id,
               literal(NO_MILESTONE), Project.closed_on, null(), Project.eta)
        .join(Organization, Organization.id == Project.organization_id)
        .where(Project.organization_id.in_(organization_ids), Project.closed_on < day)
    )
    return union_all(milestones, projects).cte("delivery")


def _histories(delivery):
    """Per delivery with ETA changes: the ETA before its first change (or that change's, without
    an old one), and the new ETA of its last change made PROMISE_NOTICE_DAYS or more before
    delivery, if any."""
    owner = (EtaChange.project_id, func.coalesce(EtaChange.milestone_id, NO_MILESTONE))
    noticed = (local_days_until(EtaChange.changed_at, delivery.c.zone, delivery.c.delivered)
               >= PROMISE_NOTICE_DAYS)
    changes = (
        select(delivery.c.project_id, delivery.c.owner, EtaChange.new_eta,
               noticed.label("noticed"),
               func.coalesce(EtaChange.old_eta, EtaChange.new_eta).label("before"),
               func.row_number().over(partition_by=owner,
                                      order_by=(EtaChange.changed_at, EtaChange.id))
               .label("first"),
               func.row_number().over(partition_by=(*owner, noticed),
                                      order_by=(EtaChange.changed_at.desc(),
                                                EtaChange.id.desc()))
               .label("last"))
        .join(delivery, and_(delivery.c.project_id == owner[0], delivery.c.owner == owner[1]))
        .subquery()
    )
    return (
        select(changes.c.project_id, changes.c.owner,
               func.max(case((changes.c.first == 1, changes.c.before))).label("first"),
               func.max(case((and_(changes.c.noticed, changes.c.last == 1),
                              changes.c.new_eta))).label("notice"))
        .group_by(changes.c.project_id, changes.c.owner)
        .subquery()
    )


def _kept(promised, delivered):
    """1 for a delivery on or before the date promised (none promised: not kept), summed."""
    return func.sum(case((and_(promised.is_not(None), delivered <= promised), 1), else_=0))


def promises_before(organization_ids: list[int], day: date) -> dict[int, PromiseCounts]:
    """Per account, the completed milestones and closed projects delivered before `day`."""
    delivery = _deliveries(organization_ids, day)
    history = _histories(delivery)
    first = func.coalesce(delivery.c.planned, history.c.first, delivery.c.eta)
    rows = db.session.execute(
        select(delivery.c.org, func.count(), _kept(first, delivery.c.delivered),
               _kept(func.coalesce(history.c.notice, first), delivery.c.delivered))
        .outerjoin(history, and_(history.c.project_id == delivery.c.project_id,
                                 history.c.owner == delivery.c.owner))
        .group_by(delivery.c.org)
    ).all()
    counts = {org: PromiseCounts(int(n), int(first), int(notice))
              for org, n, first, notice in rows}
    return {org: counts.get(org, PromiseCounts()) for org in organization_ids}
