"""The rules of projects and milestones: matched by external id (or adopted by name or title),
never moved to another account or project, closed ones left as they are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.extensions import db
from portal.imports.planners import (
    Parsed,
    Wanted,
    account_of,
    accounts_named,
    only_once,
    rows_by,
    settle,
    shown,
    staff_by_email,
    staff_id,
    today_in,
)
from portal.imports.plans import RowPlan
from portal.projects.models import Confidence, Milestone, Project, ProjectStatus


def plan_projects(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Projects: a name once per account; never moved to another account; closed ones stay."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    accounts = accounts_named(rows)
    by_id = rows_by(Project, Project.external_id, {v["project_id"] for _, v in rows})
    names = {(p.organization_id, p.name.lower()): p for p in db.session.scalars(
        select(Project).where(Project.organization_id.in_({a.id for a in accounts.values()})))}
    ids, seen_names = {}, {}
    for plan, values in rows:
        only_once(plan, ids, values["project_id"], "project_id", values["project_id"])
        account = account_of(plan, values, accounts)
        target = by_id.get(values["project_id"])
        wanted: Wanted = {}
        holder = names.get((account.id, values["name"].strip().lower())) if account else None
        if target is None and holder is not None and holder.external_id is None:
            target = holder
            wanted["external_id"] = ("project_id", values["project_id"])
            plan.notes.append(f"matches the existing project {holder.name} by name")
        elif holder is not None and holder is not target:
            plan.refuse("name", f"the account already has a project called {holder.name}")
        if account is not None:
            only_once(plan, seen_names, (account.id, values["name"].strip().lower()), "name",
                  values["name"])
        if target is not None and account is not None and target.organization_id != account.id:
            plan.refuse("account_id", f"{target.name} belongs to {target.organization.name}: a "
                        "project is never moved to another account")
        wanted |= _project_fields(plan, values, staff, target, account)
        settle(plan, target, wanted, lambda attr, value: emails.get(value, "")
               if attr == "contact_id" else shown(value))
        _check_project(plan, target, account)
        plan.label = values["name"]


DEFAULTS = {"status": ProjectStatus.NOT_STARTED, "eta_confidence": Confidence.MEDIUM,
            "update_cadence_days": 7, "summary": ""}


def _project_fields(plan: RowPlan, values: Parsed, staff: dict[str, User], target: Any,
                    account: Organization | None) -> Wanted:
    """The project's fields the row gives (and, for a new one, the defaults)."""
    wanted: Wanted = {"name": ("name", values["name"].strip())}
    for column in ("summary", "status", "eta", "eta_confidence", "update_cadence_days",
                   "started_on"):
        if column in values:
            wanted[column] = (column, values[column])
        elif target is None and column in DEFAULTS:
            wanted[column] = (column if column != "summary" else "", DEFAULTS[column])
    if "contact_email" in values:
        wanted["contact_id"] = ("contact_email", staff_id(plan, values, "contact_email", staff))
    if target is None:
        wanted |= {"external_id": ("", values["project_id"]),
                   "organization_id": ("", account.id if account else None)}
    return wanted


def _check_project(plan: RowPlan, target: Project | None, account: Organization | None) -> None:
    """A closed project takes no change; a new ETA of an open project is not in the past."""
    if target is not None and target.is_closed and plan.values:
        plan.refuse(plan.changes[0].column if plan.changes else "project_id",
                    f"{target.name} is closed: its record is history and does not change")
        return
    status = plan.values.get("status", target.status if target else None)
    eta = plan.values.get("eta")
    if eta is not None and status != ProjectStatus.DONE and account is not None and (
            eta < today_in(account.timezone)):
        plan.refuse("eta", f"{eta.isoformat()} is in the past for an open project")


def plan_milestones(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Milestones: a place once per project; never moved to another project; done is past."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    projects = rows_by(Project, Project.external_id, {v["project_id"] for _, v in rows})
    project_ids = {p.id for p in projects.values()}
    ext_ids = {v["milestone_id"] for _, v in rows}
    known = list(db.session.scalars(select(Milestone).where(or_(
        Milestone.project_id.in_(project_ids), Milestone.external_id.in_(ext_ids)))))
    by_id = {m.external_id: m for m in known if m.external_id}
    by_title = {(m.project_id, m.title.lower()): m for m in known}
    places = {(m.project_id, m.position): m for m in known}
    after = {}  # each project's next free place, for new milestones given none
    for m in known:
        after[m.project_id] = max(after.get(m.project_id, 0), m.position + 1)
    ids: dict = {}
    for plan, values in rows:
        only_once(plan, ids, values["milestone_id"], "milestone_id", values["milestone_id"])
        project = projects.get(values["project_id"])
        if project is None:
            plan.refuse("project_id", f"{values['project_id']!r} is not a project here: import "
                        "the projects first")
        target = by_id.get(values["milestone_id"])
        wanted: Wanted = {}
        holder = by_title.get((project.id, values["title"].strip().lower())) if project else None
        if target is None and holder is not None and holder.external_id is None:
            target = holder
            wanted["external_id"] = ("milestone_id", values["milestone_id"])
            plan.notes.append(f"matches the existing milestone {holder.title} by title")
        if target is not None and project is not None and target.project_id != project.id:
            plan.refuse("project_id", f"{target.title} belongs to {target.project.name}: a "
                        "milestone is never moved to another project")
        wanted |= _milestone_fields(plan, values, staff, target, project, (places, after))
        settle(plan, target, wanted, lambda attr, value: emails.get(value, "")
               if attr == "owner_id" else shown(value))
        _check_milestone(plan, project)
        plan.label = values["title"]


def _milestone_fields(plan: RowPlan, values: Parsed, staff: dict[str, User], target: Any,
                      project: Project | None, taken: tuple[dict, dict]) -> Wanted:
    """The milestone's fields the row gives; a new one without a place goes after the rest."""
    wanted: Wanted = {"title": ("title", values["title"].strip())}
    for column in ("planned_on", "eta", "completed_on"):
        if column in values:
            wanted[column] = (column, values[column])
    if target is None and "eta" not in values and "planned_on" in values:
        wanted["eta"] = ("eta", values["planned_on"])
    if "owner_email" in values:
        wanted["owner_id"] = ("owner_email", staff_id(plan, values, "owner_email", staff))
    if project is None:
        return wanted
    places, after = taken
    position = values.get("position")
    if position is None and target is None:
        position = after.get(project.id, 0)
    if position is not None:
        after[project.id] = max(after.get(project.id, 0), position + 1)
        holder = places.get((project.id, position))
        if holder is not None and holder is not target and holder is not plan:
            where = f"row {holder.row}" if isinstance(holder, RowPlan) else holder.title
            plan.refuse("position", f"{position} is already taken by {where}")
        places[project.id, position] = target or plan
        wanted["position"] = ("position", position)
    if target is None:
        wanted |= {"external_id": ("", values["milestone_id"]), "project_id": ("", project.id)}
    return wanted


def _check_milestone(plan: RowPlan, project: Project | None) -> None:
    """A closed project's steps do not change; a step is not done on a day still to come."""
    if project is None:
        return
    if project.is_closed and plan.values:
        plan.refuse("project_id", f"{project.name} is closed: its steps do not change")
    done = plan.values.get("completed_on")
    if done is not None and done > today_in(project.organization.timezone):
        plan.refuse("completed_on", f"{done.isoformat()} is in the future")
