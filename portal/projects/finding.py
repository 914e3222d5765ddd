"""Finding accounts on staff lists (staff home, account health): "my accounts", a search by
account, project or contact name, the next update due, and pages of a fixed size. Each step is
one query whatever the number of accounts, so a list's statements stay constant as it grows."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import TypeVar

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.extensions import db
from portal.projects.models import Project, StatusUpdate
from portal.projects.summary import next_update_due
from portal.web.paging import Page

MAX_QUERY = 200  # characters: longer than any name; a longer search is refused, not run
PAGE_SIZE = 20

Item = TypeVar("Item")


@dataclass(frozen=True)
class AccountSearch:
    """What a staff member asked a list for: only theirs, a search text, and an order."""

    mine: bool = False
    query: str = ""
    sort: str = ""  # "" keeps the list's own order; "next_update" puts the soonest due first


def paginate(items: Sequence[Item], page: int, size: int = PAGE_SIZE) -> Page[Item]:
    """The page asked for, brought into range: below 1 is the first, past the end the last."""
    pages = max(1, ceil(len(items) / size))
    number = min(max(page, 1), pages)
    start = (number - 1) * size
    return Page(list(items[start:start + size]), number, pages, len(items))


def _contains(column, text: str):
    return func.lower(column).contains(text.lower(), autoescape=True)


def matching_accounts(base: Select, search: AccountSearch, user: User) -> set[int]:
    """The ids of the accounts in `base` (a select of Organization) that the search keeps: the
    user's own (as account owner) and those whose name, a project's name, a client contact's
    or a project contact person's name contains the text. One query."""
    stmt = base.with_only_columns(Organization.id)
    if search.mine:
        stmt = stmt.where(Organization.account_owner_id == user.id)
    text = search.query.strip()
    if text:
        contact = aliased(User)
        stmt = stmt.where(or_(
            _contains(Organization.name, text),
            exists().where(Project.organization_id == Organization.id,
                           _contains(Project.name, text)),
            exists().where(User.organization_id == Organization.id, _contains(User.name, text)),
            exists().where(Project.organization_id == Organization.id,
                           contact.id == Project.contact_id, _contains(contact.name, text)),
        ))
    return set(db.session.scalars(stmt))


def next_update_due_by_account(organization_ids: set[int]) -> dict[int, date | None]:
    """Per account, the soonest day an update is promised on one of its open projects (None
    when none is): one query."""
    last = (select(StatusUpdate.project_id, func.max(StatusUpdate.published_at).label("last"))
            .group_by(StatusUpdate.project_id).subquery())
    due: dict[int, date | None] = dict.fromkeys(organization_ids)
    for project, last_update in db.session.execute(
        select(Project, last.c.last).outerjoin(last, last.c.project_id == Project.id)
        .options(joinedload(Project.organization))
        .where(Project.organization_id.in_(organization_ids), Project.closed_on.is_(None))
    ):
        day = next_update_due(project, last_update)
        current = due[project.organization_id]
        if day is not None and (current is None or day < current):
            due[project.organization_id] = day
    return due


def by_next_update(organization_ids: list[int], due: dict[int, date | None]) -> list[int]:
    """The accounts with the soonest (or most overdue) update first; none due last."""
    return sorted(organization_ids, key=lambda org_id: (due[org_id] is None,
                                                         due[org_id] or date.max))
