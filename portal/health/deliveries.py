"""Every account's deliveries before a day, for the promises-kept metric, in three queries.

The rules are portal.projects.track_record's own (the client page's definition): its
milestone_delivery and project_delivery are given plain column rows instead of ORM objects,
since they read only a few attributes. Loading every project with its milestones and ETA
changes as objects cost most of a recompute of all accounts; rows cost a fraction of it.
"""

from datetime import date

from sqlalchemy import Row, select

from portal.extensions import db
from portal.projects import track_record
from portal.projects.models import EtaChange, Milestone, Project


def _projects(organization_ids: list[int]) -> list[Row]:
    """Each project's account and the fields project_delivery reads."""
    return db.session.execute(
        select(Project.organization_id, Project.id, Project.name, Project.eta, Project.closed_on)
        .where(Project.organization_id.in_(organization_ids))
    ).all()


def _milestones_done_before(organization_ids: list[int], day: date) -> list[Row]:
    """The milestones completed before `day`, with the fields milestone_delivery reads."""
    return db.session.execute(
        select(Milestone.project_id, Milestone.id, Milestone.title, Milestone.planned_on,
               Milestone.eta, Milestone.completed_on)
        .join(Project, Project.id == Milestone.project_id)
        .where(Project.organization_id.in_(organization_ids), Milestone.completed_on < day)
        .order_by(Milestone.project_id, Milestone.position)
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


def deliveries_before(organization_ids: list[int],
                      day: date) -> dict[int, list[track_record.Delivery]]:
    """Per account, the completed milestones and closed projects delivered before `day`."""
    changes = _changes(organization_ids)
    projects = _projects(organization_ids)
    org_of = {p.id: p.organization_id for p in projects}
    found: dict[int, list[track_record.Delivery]] = {org: [] for org in organization_ids}
    for m in _milestones_done_before(organization_ids, day):
        found[org_of[m.project_id]].append(
            track_record.milestone_delivery(m, changes.get((m.project_id, m.id), [])))
    for p in projects:
        if p.closed_on is not None and p.closed_on < day:
            found[p.organization_id].append(
                track_record.project_delivery(p, changes.get((p.id, None), [])))
    return found
