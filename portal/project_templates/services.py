"""Keeping project templates, and starting a project's milestones from one.
Services flush; the caller commits."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock, lock_table
from portal.content.models import ProcessStep
from portal.extensions import db
from portal.project_templates.models import MAX_MILESTONES, ProjectTemplate, TemplateMilestone
from portal.projects.models import Milestone, Project

PROCESS_STEP_DAYS = 5  # a working week per step: a starting point the admin adjusts


class TemplateError(Exception):
    """A template that cannot be saved as given; the message says why."""


@dataclass(frozen=True)
class MilestonePlan:
    """One step of a template as a form gives it."""

    title: str
    duration_days: int
    working_days: bool = False
    owner_role: str = ""
    owner_id: int | None = None


def all_templates() -> list[ProjectTemplate]:
    """Every template by name, with its milestones and their owners: two queries."""
    return list(db.session.scalars(
        select(ProjectTemplate).options(
            selectinload(ProjectTemplate.milestones).selectinload(TemplateMilestone.owner))
        .order_by(ProjectTemplate.name)))


def template_version(template: ProjectTemplate) -> str:
    """The fingerprint of what the edit form shows: a change by another admin refuses it."""
    return edit_version(
        template.name, template.description, template.update_cadence_days,
        [(m.title, m.duration_days, m.working_days, m.owner_role, m.owner_id)
         for m in template.milestones])


def save_template(template: ProjectTemplate | None, *, name: str, description: str,
                  update_cadence_days: int, milestones: list[MilestonePlan], by: User | None,
                  seen: str | None = None) -> ProjectTemplate:
    """Create a template (None) or replace one's fields and milestones, refusing a name
    already taken, too many milestones, or an edit opened on an older state."""
    name = name.strip()
    if len(milestones) > MAX_MILESTONES:
        raise TemplateError(f"A template has at most {MAX_MILESTONES} milestones; "
                            f"this one has {len(milestones)}.")
    lock_table(ProjectTemplate)  # two admins saving one name: the second is told, not a 500
    if template is not None:
        lock(template)
        check_version(seen, template_version(template))
    taken = db.session.scalar(select(ProjectTemplate.id).where(
        func.lower(ProjectTemplate.name) == name.lower()))
    if taken and (template is None or taken != template.id):
        raise TemplateError(f"There is already a template called “{name}”.")
    created = template is None
    if created:
        template = ProjectTemplate()
        db.session.add(template)
    template.name, template.description = name, description.strip()
    template.update_cadence_days = update_cadence_days
    template.milestones.clear()
    db.session.flush()  # the old positions go before the new ones take them
    template.milestones.extend(
        TemplateMilestone(position=i, title=m.title.strip(), duration_days=m.duration_days,
                          working_days=m.working_days, owner_role=m.owner_role.strip(),
                          owner_id=m.owner_id or None)
        for i, m in enumerate(milestones))
    db.session.flush()
    audit.record("project_template.created" if created else "project_template.changed",
                 actor=by, target=template,
                 summary=f"{template.name}: {len(milestones)} milestones")
    return template


def delete_template(template: ProjectTemplate, *, by: User | None) -> None:
    """Remove a template; projects started from it keep their milestones."""
    audit.record("project_template.deleted", actor=by, target=template, summary=template.name)
    db.session.delete(template)
    db.session.flush()


def process_step_plans() -> list[MilestonePlan]:
    """The firm's published recruiting process steps as a template's milestones, in order."""
    steps = db.session.scalars(select(ProcessStep).order_by(ProcessStep.position))
    return [MilestonePlan(title=step.title[:160], duration_days=PROCESS_STEP_DAYS,
                          working_days=True)
            for step in list(steps)[:MAX_MILESTONES]]


def add_days(start: date, days: int, *, working_days: bool) -> date:
    """The day `days` days after `start`, counting only Monday to Friday when asked."""
    if not working_days:
        return start + timedelta(days=days)
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def planned_dates(template: ProjectTemplate, start: date) -> list[date]:
    """Each milestone's planned date: one after another, counted from the start."""
    dates, day = [], start
    for milestone in template.milestones:
        day = add_days(day, milestone.duration_days, working_days=milestone.working_days)
        dates.append(day)
    return dates


def _owner(milestone: TemplateMilestone, project: Project, staff: list[User]) -> User | None:
    """The named owner while still staff; else the first staff member whose job title is the
    role; else the project's contact person."""
    if milestone.owner is not None and milestone.owner.is_staff and milestone.owner.active:
        return milestone.owner
    role = milestone.owner_role.strip().lower()
    match = next((u for u in staff if role and (u.job_title or "").strip().lower() == role),
                 None)
    return match or project.contact


def start_from_template(project: Project, template: ProjectTemplate, *, start: date,
                        by: User | None = None) -> list[Milestone]:
    """Give a new project the template's milestones, dated in order from its start."""
    staff = list(db.session.scalars(select(User).where(
        User.role != "client", User.active.is_(True)).order_by(User.name)))
    first = max((m.position for m in project.milestones), default=-1) + 1
    added = []
    for i, (step, planned) in enumerate(zip(template.milestones,
                                            planned_dates(template, start), strict=True)):
        milestone = Milestone(title=step.title, position=first + i, planned_on=planned,
                              eta=planned, owner=_owner(step, project, staff))
        project.milestones.append(milestone)
        added.append(milestone)
    db.session.flush()
    audit.record("project.started_from_template", actor=by, target=project,
                 organization=project.organization,
                 summary=f"{template.name}: {len(added)} milestones from {start.isoformat()}")
    return added


def template_names() -> list[ProjectTemplate]:
    """Every template by name, without its milestones: the new-project form's choices."""
    return list(db.session.scalars(select(ProjectTemplate).order_by(ProjectTemplate.name)))
