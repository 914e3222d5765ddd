"""The rules of accounts and contacts, and what every kind's rules share (work_planners.py has
projects and milestones): which existing row a file row is, what it would change, what is
refused.

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

from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.accounts.services import slugify
from portal.auth.models import Role, User
from portal.db import local_today
from portal.extensions import db
from portal.imports.plans import Change, RowPlan

Parsed = dict[str, Any]  # a row's cells, read, by column name; blank cells absent
Wanted = dict[str, tuple[str, Any]]  # attribute -> (column name, value)


@functools.lru_cache(maxsize=256)
def _today_at(zone_name: str, minute: int) -> date:
    """Today in the timezone; `minute` (since the epoch) keys the cache, so it turns."""
    return local_today(zone_name)


def today_in(zone_name: str) -> date:
    """Today in the timezone, worked out once a minute per zone rather than once per row."""
    return _today_at(zone_name, int(time.time() // 60))


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


def staff_id(plan: RowPlan, values: Parsed, column: str, staff: dict[str, User]) -> int | None:
    """The id of the member of staff named in `column`, or a problem on the row."""
    person = staff.get(values[column])
    if person is None:
        plan.refuse(column, f"no member of staff has the email {values[column]!r}")
        return None
    return person.id


def rows_by(model: type, column: Any, keys: set) -> dict:
    """Rows of `model` whose `column` is one of `keys`, by that column."""
    if not keys:
        return {}
    return {getattr(row, column.key): row
            for row in db.session.scalars(select(model).where(column.in_(keys)))}


def only_once(plan: RowPlan, seen: dict, key: Any, column: str, value: str) -> None:
    """Refuse a row repeating a key (shown as `value`) an earlier row of the file has."""
    if key in seen:
        plan.refuse(column, f"{value[:40]!r} is also on row {seen[key]}")
    else:
        seen[key] = plan.row


def plan_accounts(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Accounts: names and their URL slugs are unique; an owner is a member of staff."""
    staff = staff_by_email()
    emails = {u.id: u.email for u in staff.values()}
    by_id = rows_by(Organization, Organization.external_id, {v["account_id"] for _, v in rows})
    names = {v["name"].strip().lower() for _, v in rows if "name" in v}
    by_name = {o.name.lower(): o for o in db.session.scalars(
        select(Organization).where(func.lower(Organization.name).in_(names)))} if names else {}
    by_slug = rows_by(Organization, Organization.slug, {slugify(n) for n in names})
    ids, slugs = {}, {}
    for plan, values in rows:
        only_once(plan, ids, values["account_id"], "account_id", values["account_id"])
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
            only_once(plan, slugs, slug, "name", name)
            wanted |= {"name": ("name", name), "slug": ("", slug)}
        if target is None:
            wanted |= {"external_id": ("", values["account_id"]),
                       "timezone": ("timezone", values.get("timezone", "UTC"))}
        elif "timezone" in values:
            wanted["timezone"] = ("timezone", values["timezone"])
        if "owner_email" in values:
            wanted["account_owner_id"] = ("owner_email",
                                          staff_id(plan, values, "owner_email", staff))
        settle(plan, target, wanted, lambda attr, value: emails.get(value, "")
               if attr == "account_owner_id" else shown(value))
        plan.label = values.get("name") or (target.name if target else "")


def accounts_named(rows: list[tuple[RowPlan, Parsed]]) -> dict[str, Organization]:
    """The accounts the rows' account_id columns name, by external id."""
    return rows_by(Organization, Organization.external_id, {v["account_id"] for _, v in rows})


def account_of(plan: RowPlan, values: Parsed, accounts: dict[str, Organization]):
    """The account the row names, or a problem saying to import the accounts first."""
    account = accounts.get(values["account_id"])
    if account is None:
        plan.refuse("account_id", f"{values['account_id']!r} is not an account here: import "
                    "the accounts first")
    return account


def plan_contacts(rows: list[tuple[RowPlan, Parsed]]) -> None:
    """Client contacts: an email is one person's; a contact never moves to another client."""
    accounts = accounts_named(rows)
    by_id = rows_by(User, User.external_id, {v["contact_id"] for _, v in rows})
    by_email = rows_by(User, User.email, {v["email"] for _, v in rows})
    ids, emails = {}, {}
    for plan, values in rows:
        only_once(plan, ids, values["contact_id"], "contact_id", values["contact_id"])
        only_once(plan, emails, values["email"], "email", values["email"])
        account = account_of(plan, values, accounts)
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
        if not plan.problems and (target is None or target.password_hash is None):
            plan.notes.append("will need inviting: the import sends no invitation")
        plan.label = values["name"]
