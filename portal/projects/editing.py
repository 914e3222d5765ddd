"""Staff keep a project true after it opened: edit its details, shift its plan in one step,
archive and restore it. Each change is audited with the old and the new value; what a client
sees refreshes through the change tracker. Functions flush; the caller commits."""

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock
from portal.db import local_today, utcnow
from portal.extensions import db
from portal.projects.models import Project, StatusUpdate
from portal.projects.services import (
    DuplicateProjectName,
    MilestoneChange,
    ProjectClosed,
    ProjectError,
    publish_update,
)

MAX_SHIFT_DAYS = 365
MAX_SHIFT_WORKING_DAYS = 260  # a year of working days


def described(changes: dict[str, tuple[object, object]]) -> str:
    """'name: 'A' -> 'B'; cadence: 7 -> 14': what an edit changed, for the audit log."""
    return "; ".join(f"{field}: {old!r} -> {new!r}" for field, (old, new) in changes.items())


def details_version(project: Project) -> str:
    """The version of what the project's edit form shows."""
    return edit_version(project.name, project.summary, project.contact_id,
                        project.update_cadence_days)


def edit_project(project: Project, *, name: str, summary: str, contact: User | None,
                 update_cadence_days: int, by: User, seen: str | None = None) -> dict:
    """Change a project's name, description, contact person and promised update cadence;
    the changes made, by field (old, new). Refused if the form was opened on another state."""
    lock(project)
    check_version(seen, details_version(project))
    name = name.strip()
    if not name:
        raise ProjectError("Give the project a name.")
    if db.session.scalar(select(Project.id).where(
            Project.organization_id == project.organization_id, Project.id != project.id,
            func.lower(Project.name) == name.lower())):
        raise DuplicateProjectName(name)
    if contact is not None and not contact.is_staff:
        raise ProjectError("The contact person must be a member of staff.")
    if not 1 <= update_cadence_days <= 90:
        raise ProjectError("The update cadence is between 1 and 90 days.")
    wanted = {"name": name, "summary": summary.strip(),
              "contact_id": contact.id if contact else None,
              "update_cadence_days": update_cadence_days}
    changes = {field: (getattr(project, field), value) for field, value in wanted.items()
               if getattr(project, field) != value}
    for field, (_, value) in changes.items():
        setattr(project, field, value)
    db.session.flush()
    if changes:
        audit.record("project.edited", actor=by, target=project,
                     organization=project.organization, summary=described(changes))
    return changes


def shifted(day: date, days: int, *, working_days: bool) -> date:
    """The day `days` later (earlier when negative), counting Monday to Friday only if asked."""
    if not working_days:
        return day + timedelta(days=days)
    step = timedelta(days=1 if days > 0 else -1)
    for _ in range(abs(days)):
        day += step
        while day.weekday() >= 5:
            day += step
    return day


def _check_shift(project: Project, days: int, working_days: bool, reason: str) -> None:
    """The rules a shift must meet before anything moves."""
    if project.is_closed:
        raise ProjectClosed()
    limit = MAX_SHIFT_WORKING_DAYS if working_days else MAX_SHIFT_DAYS
    unit = "working days" if working_days else "days"
    if days == 0 or abs(days) > limit:
        raise ProjectError(f"Shift the plan by 1 to {limit} {unit}, later or earlier "
                           "(a minus sign moves it earlier).")
    if not reason.strip():
        raise ProjectError("Say why the plan moves: the client reads it beside every date.")


def shift_plan(project: Project, *, days: int, working_days: bool, reason: str, by: User,
               seen: str | None = None) -> StatusUpdate:
    """Move the project's ETA and every open milestone's by the same number of days (or
    working days), with one reason, published as one update: the client's ETA history gets
    one entry for the project and one per milestone, each with that reason."""
    lock(project)
    lock(*project.milestones)
    _check_shift(project, days, working_days, reason)
    moving = [m for m in project.milestones if not m.is_done and m.eta is not None]
    if project.eta is None and not moving:
        raise ProjectError("Nothing to shift: the project and its open milestones have no ETA.")
    today = local_today(project.organization.timezone)
    if any(shifted(m.eta, days, working_days=working_days) < today for m in moving):
        raise ProjectError("That would put an open milestone's ETA in the past.")
    eta = shifted(project.eta, days, working_days=working_days) if project.eta else None
    unit = "working day" if working_days else "day"
    direction = "later" if days > 0 else "earlier"
    body = (f"We have moved the plan {abs(days)} {unit}{'s' if abs(days) != 1 else ''} "
            f"{direction}: {reason.strip()}")
    update = publish_update(
        project, author=by, body=body, status=project.status, eta=eta, reason=reason,
        milestones=[MilestoneChange(m.id, eta=shifted(m.eta, days, working_days=working_days),
                                    reason=reason) for m in moving],
        seen=seen,
    )
    audit.record("project.plan_shifted", actor=by, target=project,
                 organization=project.organization,
                 summary=f"{project.name}: {days:+} {unit}s, new ETA {project.eta or 'none'}, "
                         f"{len(moving)} open milestones; {reason.strip()}")
    return update


def archive_project(project: Project, *, by: User) -> None:
    """Take a project off its client's dashboard and staff lists; nothing of it is deleted."""
    lock(project)
    if project.is_archived:
        return
    project.archived_at = utcnow()
    db.session.flush()
    audit.record("project.archived", actor=by, target=project,
                 organization=project.organization, summary=f"{project.name}: archived")


def restore_project(project: Project, *, by: User) -> None:
    """Bring an archived project back where it was."""
    lock(project)
    if not project.is_archived:
        return
    project.archived_at = None
    db.session.flush()
    audit.record("project.restored", actor=by, target=project,
                 organization=project.organization, summary=f"{project.name}: restored")
