"""What the dashboards gather from the features."""

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from portal.access import visible_organizations, visible_projects
from portal.accounts.models import Organization
from portal.auth.models import User
from portal.extensions import db
from portal.projects.models import Milestone, Project, StatusUpdate


def client_dashboard(user: User) -> dict[str, list[Project]]:
    """The client's projects: open ones by ETA, then closed ones, most recent first."""
    stmt = visible_projects(user).options(
        selectinload(Project.contact),
        selectinload(Project.milestones).selectinload(Milestone.owner),
    )
    projects = list(db.session.scalars(stmt))
    open_projects = sorted(
        (p for p in projects if not p.is_closed), key=lambda p: (p.eta is None, p.eta, p.name)
    )
    closed = sorted((p for p in projects if p.is_closed), key=lambda p: p.closed_on, reverse=True)
    return {"open_projects": open_projects, "closed_projects": closed}


def staff_overview(user: User) -> dict:
    """Every account with its projects, and the latest updates across them."""
    organizations = db.session.scalars(
        visible_organizations(user)
        .options(
            selectinload(Organization.account_owner),
            selectinload(Organization.projects).selectinload(Project.contact),
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
    return {"organizations": organizations, "recent_updates": recent_updates}


def database_reachable() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return False
    return True
