"""Each kind's rules: which existing row a file row is, what it would change, what is refused.

Rows are matched by external id; a row whose id is new may adopt an existing row with the
same natural key (an account's name, a contact's email, a project's name in its account, a
milestone's title in its project) that has no external id yet, so a firm that started by hand
can import without duplicates. Everything is read in a few queries, whatever the file's size.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from portal.accounts.models import Organization
from portal.accounts.services import slugify
from portal.auth.models import Role, User
from portal.db import local_today
from portal.extensions import db
from portal.imports.plans import Change, RowPlan
from portal.projects.models import Confidence, Milestone, Project, ProjectStatus

Parsed = dict[str, Any]  # a row's cells, read, by column name; blank cells absent
Wanted = dict[str, tuple[str, Any]]  # attribute -> (column name, value)


@functools.lru_cache(maxsize=256)
def _today_in(zone_name: str, minute: int) -> date:
    """Today in the timezone; `minute` (since the epoch) keys the cache, so it turns."""
    return local_today(zone_name)


def _today(zone_name: str) -> date:
    """Today in the timezone, worked out once a minute per zone rather than once per row."""
    return _today_in(zone_name, int(time.time() // 60))


def shown(value: Any) -> str:
    """A value as the preview shows it (the layouts' choices are StrEnums: their value)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def settle(plan: RowPlan, target: Any, wanted: Wanted,
           display: Callable[[str, Any], str] = lambda attr, value: shown(value)) -> None:
    """Fill the row's values: every wanted field of a new row, the differing ones of an
    existing row with their old and new values (`display` names a referenced row, such as an
    email for a user id)."""
    plan.target, plan.display = target, display
    if target is None:
        plan.values.update((attr, value) for attr, (_, value) in wanted.items())
        plan.new_columns = [(column, attr) for attr, (column, _) in wanted.items() if column]
        return
    for attr, (column, value) in wanted.items():
        old = getattr(target, attr)
        if old != value:
            plan.values[attr] = value
            if column:
                plan.changed.append(Change(column, display(attr, old), display(attr, value)))


def staff_by_email() -> dict[str, User]:
    """Every member of staff, by email: the people an owner or contact column may name."""
    return {u.email: u for u in db.session.scalars(select(User).where(User.role != Role.CLIENT))}


def _staff_id(plan: RowPlan, values: Parsed, column: str, staff: dict[str, User]) -> int | None:
    """The id of the member of staff named in `column`, or a problem on the row."""
    person = staff.get(values[column])
    if person is None:
        plan.refuse(column, f"no member of staff has the email {values[column]!r}")
        return None
    return person.id


def _by(model: type, column: Any, keys: set) -> dict:
    """Rows of `model` whose `column` is one of `keys`, by that column."""
    if not keys:
        return {}
    return {getattr(row, column.key): row
            for row in db.session.scalars(select(model).where(column.in_(keys)))}


def _once(plan: RowPlan, seen: dict, key: Any, column: str, value: str) -> None:
    """Refuse a row repeating a key (shown as `value`) an earlier row of the file has."""
    if key in seen:
        plan.refuse(column, f"{value[:40]!r} is also on row {seen[key]}")
    else:
        seen[key] = plan.row


def plan_accounts(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Accounts: names and their URL slugs are unique; an owner is a member of staff."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    by_id = _by(Organization, Organization.external_id, {v["account_id"] for _, v in rows})
    names = {v["name"].strip().lower() for _, v in rows if "name" in v}
    by_name = {o.name.lower(): o for o in db.session.scalars(
        select(Organization).where(func.lower(Organization.name).in_(names)))} if names else {}
    by_slug = _by(Organization, Organization.slug, {slugify(n) for n in names})
    ids, slugs = {}, {}
    for plan, values in rows:
        _once(plan, ids, values["account_id"], "account_id", values["account_id"])
        target = by_id.get(values["account_id"])
        wanted: Wanted = {}
        if "name" in values:
            name, slug = values["name"].strip(), slugify(values["name"])
            holder = by_name.get(name.lower()) or by_slug.get(slug)
            if target is None and holder is not None and holder.external_id is None:
                target = holder  # made by hand before: adopted, not duplicated
                wanted["external_id"] = ("account_id", values["account_id"])
                plan.notes.append(f"matches the existing account {holder.name} by name")
            elif holder is not None and holder is not target:
                plan.refuse("name", f"another account ({holder.external_id or holder.name}) "
                            "already has this name")
            if not slug:
                plan.refuse("name", "needs at least one letter or digit")
            _once(plan, slugs, slug, "name", name)
            wanted |= {"name": ("name", name), "slug": ("", slug)}
        if target is None:
            wanted |= {"external_id": ("", values["account_id"]),
                       "timezone": ("timezone", values.get("timezone", "UTC"))}
        elif "timezone" in values:
            wanted["timezone"] = ("timezone", values["timezone"])
        if "owner_email" in values:
            wanted["account_owner_id"] = ("owner_email",
                                          _staff_id(plan, values, "owner_email", staff))
        settle(plan, target, wanted, lambda attr, value: emails.get(value, "")
               if attr == "account_owner_id" else shown(value))
        plan.label = values.get("name") or (target.name if target else "")


def _accounts_named(rows: list[tuple[RowPlan, Parsed]]) -> dict[str, Organization]:
    """The accounts the rows' account_id columns name, by external id."""
    return _by(Organization, Organization.external_id, {v["account_id"] for _, v in rows})


def _account_of(plan: RowPlan, values: Parsed, accounts: dict[str, Organization]):
    """The account the row names, or a problem saying to import the accounts first."""
    account = accounts.get(values["account_id"])
    if account is None:
        plan.refuse("account_id", f"{values['account_id']!r} is not an account here: import "
                    "the accounts first")
    return account


def plan_contacts(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Client contacts: an email is one person's; a contact never moves to another client."""
    accounts = _accounts_named(rows)
    by_id = _by(User, User.external_id, {v["contact_id"] for _, v in rows})
    by_email = _by(User, User.email, {v["email"] for _, v in rows})
    ids, emails = {}, {}
    for plan, values in rows:
        _once(plan, ids, values["contact_id"], "contact_id", values["contact_id"])
        _once(plan, emails, values["email"], "email", values["email"])
        account = _account_of(plan, values, accounts)
        target = by_id.get(values["contact_id"])
        holder = by_email.get(values["email"])
        wanted: Wanted = {}
        if holder is not None and holder.role != Role.CLIENT:
            plan.refuse("email", "belongs to a member of staff, not a client contact")
        elif target is None and holder is not None and holder.external_id is None:
            target = holder
            wanted["external_id"] = ("contact_id", values["contact_id"])
            plan.notes.append(f"matches the existing user {holder.email} by email")
        elif holder is not None and holder is not target:
            plan.refuse("email", f"belongs to another contact ({holder.external_id})")
        if target is not None and account is not None and target.organization_id != account.id:
            plan.refuse("account_id", f"{target.name} is a contact of "
                        f"{target.organization.name}: a contact is never moved to another "
                        "client (add a new contact instead)")
        wanted |= {"name": ("name", values["name"].strip()), "email": ("email", values["email"])}
        wanted |= {key: (key, values[key].strip()) for key in ("job_title", "phone")
                   if key in values}
        if target is None:
            wanted |= {"external_id": ("", values["contact_id"]), "role": ("", Role.CLIENT),
                       "organization_id": ("", account.id if account else None)}
        settle(plan, target, wanted)
        if target is None or target.password_hash is None:
            plan.notes.append("will need inviting: the import sends no invitation")
        plan.label = values["name"]


def plan_projects(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Projects: a name once per account; never moved to another account; closed ones stay."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    accounts = _accounts_named(rows)
    by_id = _by(Project, Project.external_id, {v["project_id"] for _, v in rows})
    names = {(p.organization_id, p.name.lower()): p for p in db.session.scalars(
        select(Project).where(Project.organization_id.in_({a.id for a in accounts.values()})))}
    ids, seen_names = {}, {}
    for plan, values in rows:
        _once(plan, ids, values["project_id"], "project_id", values["project_id"])
        account = _account_of(plan, values, accounts)
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
            _once(plan, seen_names, (account.id, values["name"].strip().lower()), "name",
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
        wanted["contact_id"] = ("contact_email", _staff_id(plan, values, "contact_email", staff))
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
            eta < _today(account.timezone)):
        plan.refuse("eta", f"{eta.isoformat()} is in the past for an open project")


def plan_milestones(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Milestones: a place once per project; never moved to another project; done is past."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    projects = _by(Project, Project.external_id, {v["project_id"] for _, v in rows})
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
        _once(plan, ids, values["milestone_id"], "milestone_id", values["milestone_id"])
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
        wanted["owner_id"] = ("owner_email", _staff_id(plan, values, "owner_email", staff))
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
    if done is not None and done > _today(project.organization.timezone):
        plan.refuse("completed_on", f"{done.isoformat()} is in the future")


PLANNERS = {"accounts": plan_accounts, "contacts": plan_contacts, "projects": plan_projects,
            "milestones": plan_milestones}
