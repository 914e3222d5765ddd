"""Every account's promises kept before a day, for the health metric, in four queries.

The rules are portal.projects.track_record's own (the client page's definition). A milestone
whose ETA never moved was promised its planned date (or its ETA) and kept it if done by then:
that is counted by SQL, per account. Moved milestones and closed projects need their ETA
history read in order, so track_record's milestone_delivery and project_delivery run on plain
column rows (they read only a few attributes). Loading every project with its milestones and
ETA changes as ORM objects had cost most of a recompute of all accounts.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, case, exists, func, select

from portal.extensions import db
from portal.projects import track_record
from portal.projects.models import EtaChange, Milestone, Project


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

    def plus(self, other: "PromiseCounts | track_record.PromisesKept") -> "PromiseCounts":
        return PromiseCounts(self.count + other.count, self.kept_first + other.kept_first,
                             self.kept_with_notice + other.kept_with_notice)


def _moved():
    """True for a milestone with an ETA change in its project's history."""
    return exists().where(EtaChange.project_id == Milestone.project_id,
                          EtaChange.milestone_id == Milestone.id)


def _unmoved_milestones(organization_ids: list[int], day: date) -> dict[int, PromiseCounts]:
    """Milestones done before `day` whose ETA never moved: the promise is the planned date, or
    the ETA without one, and both figures count it kept if done by then."""
    kept = func.coalesce(func.sum(case(
        (func.coalesce(Milestone.planned_on, Milestone.eta) >= Milestone.completed_on, 1),
        else_=0)), 0)
    rows = db.session.execute(
        select(Project.organization_id, func.count(), kept)
        .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
        .where(Project.organization_id.in_(organization_ids), Milestone.completed_on < day,
               ~_moved())
        .group_by(Project.organization_id)
    ).all()
    return {org: PromiseCounts(int(n), int(k), int(k)) for org, n, k in rows}


def _moved_milestones(organization_ids: list[int], day: date) -> list[Row]:
    """Milestones done before `day` whose ETA moved, with what milestone_delivery reads."""
    return db.session.execute(
        select(Project.organization_id, Milestone.project_id, Milestone.id, Milestone.title,
               Milestone.planned_on, Milestone.eta, Milestone.completed_on)
        .join(Project, Project.id == Milestone.project_id)
        .where(Project.organization_id.in_(organization_ids),
               Milestone.completed_on < day, _moved())
    ).all()


def _closed_projects(organization_ids: list[int], day: date) -> list[Row]:
    """Projects closed before `day`, with what project_delivery reads."""
    return db.session.execute(
        select(Project.organization_id, Project.id, Project.name, Project.eta, Project.closed_on)
        .where(Project.organization_id.in_(organization_ids), Project.closed_on < day)
    ).all()


def _changes(organization_ids: list[int]) -> dict[tuple[int, int | None], list[Row]]:
    """Every ETA change, oldest first, keyed by (project, milestone or None for the project)."""
    rows = db.session.execute(
        select(EtaChange.project_id, EtaChange.milestone_id, EtaChange.old_eta,
               EtaChange.new_eta, EtaChange.changed_at)
        .join(Project, Project.id == EtaChange.project_id)
        .where(Project.organization_id.in_(organization_ids))
        .order_by(EtaChange.project_id, EtaChange.changed_at, EtaChange.id)
    ).all()
    by_key: dict[tuple[int, int | None], list[Row]] = {}
    for row in rows:
        by_key.setdefault((row.project_id, row.milestone_id), []).append(row)
    return by_key


def _with_history(organization_ids: list[int],
                  day: date) -> dict[int, list[track_record.Delivery]]:
    """Per account, moved milestones and closed projects delivered before `day`, as
    track_record reads them against their ETA history."""
    changes = _changes(organization_ids)
    found: dict[int, list[track_record.Delivery]] = {org: [] for org in organization_ids}
    for m in _moved_milestones(organization_ids, day):
        found[m.organization_id].append(
            track_record.milestone_delivery(m, changes.get((m.project_id, m.id), [])))
    for p in _closed_projects(organization_ids, day):
        found[p.organization_id].append(
            track_record.project_delivery(p, changes.get((p.id, None), [])))
    return found


def promises_before(organization_ids: list[int], day: date) -> dict[int, PromiseCounts]:
    """Per account, the completed milestones and closed projects delivered before `day`."""
    unmoved = _unmoved_milestones(organization_ids, day)
    return {org: unmoved.get(org, PromiseCounts()).plus(track_record.PromisesKept(tuple(found)))
            for org, found in _with_history(organization_ids, day).items()}
