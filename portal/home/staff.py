"""Staff home: every account and its projects, what is owed to clients, follow-ups and the
health alerts and reviews waiting on staff (staff only; it may use the health code)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import visible_organizations
from portal.accounts.models import Organization
from portal.auth.models import User
from portal.closeout import handoff
from portal.db import local_today, utcnow
from portal.extensions import db
from portal.health import accounts_list, alerts
from portal.projects import finding, questions
from portal.projects.models import Project, StatusUpdate
from portal.projects.services import update_spans
from portal.projects.summary import next_update_due
from portal.pulses import services as pulses


@dataclass(frozen=True)
class CadenceItem:
    """An open project and when its next promised update is due, in its client's days."""

    project: Project
    due: date
    days_late: int


def cadence_watch(projects: list[Project], *, soon_days: int = 2) -> dict[str, list]:
    """Open projects whose promised update is overdue (most overdue first) or due soon."""
    open_projects = [p for p in projects if not p.is_closed]
    spans = update_spans([p.id for p in open_projects])
    items = []
    for project in open_projects:
        due = next_update_due(project, spans[project.id].last)
        if due is not None:
            today = local_today(project.organization.timezone)
            items.append(CadenceItem(project, due, (today - due).days))
    items.sort(key=lambda item: -item.days_late)
    return {
        "overdue": [i for i in items if i.days_late > 0],
        "due_soon": [i for i in items if -soon_days <= i.days_late <= 0],
    }


@dataclass(frozen=True)
class AccountItem:
    """An account on staff home with the soonest update due on its open projects."""

    organization: Organization
    next_update_due: date | None


def account_page(organizations: list[Organization], user: User, search: finding.AccountSearch,
                 page: int) -> finding.Page[AccountItem]:
    """The page of accounts the search keeps, by name or by the next update due: two queries."""
    kept = finding.matching_accounts(visible_organizations(user), search, user)
    due = finding.next_update_due_by_account(kept)
    ids = [o.id for o in organizations if o.id in kept]
    if search.sort == "next_update":
        ids = finding.by_next_update(ids, due)
    by_id = {o.id: o for o in organizations}
    return finding.paginate([AccountItem(by_id[i], due[i]) for i in ids], page)


def staff_overview(user: User, search: finding.AccountSearch | None = None,
                   page: int = 1, *, show_archived: bool = False) -> dict:
    """Every account with its projects (a page of them, as searched; archived ones only if
    asked), and the latest updates across them."""
    accounts = visible_organizations(user)
    projects = Organization.projects
    if not show_archived:
        accounts = accounts.where(Organization.archived_at.is_(None))
        projects = Organization.projects.and_(Project.archived_at.is_(None))
    organizations = db.session.scalars(
        accounts.options(
            selectinload(Organization.account_owner),
            selectinload(projects).selectinload(Project.contact),
        )
        .order_by(Organization.name)
    ).all()
    recent_updates = db.session.scalars(
        select(StatusUpdate)
        .options(selectinload(StatusUpdate.project).selectinload(Project.organization),
                 selectinload(StatusUpdate.author))
        .order_by(StatusUpdate.published_at.desc())
        .limit(10)
    ).all()
    projects = [p for o in organizations for p in o.projects if not p.is_archived]
    return {
        "show_archived": show_archived,
        "organizations": organizations,
        "accounts": account_page(organizations, user, search or finding.AccountSearch(), page),
        "recent_updates": recent_updates,
        "unanswered": questions.unanswered_questions(),
        "cadence": cadence_watch(projects),
        "follow_ups": pulses.open_follow_ups(),
        "care_handoffs": handoff.handoffs_for(user, utcnow()),
        "health_alerts": alerts.open_alerts(),
        "unreviewed": accounts_list.unreviewed_accounts(),
        "now": utcnow(),
    }
