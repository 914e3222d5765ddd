"""Rules for client organisations. Functions flush; the caller commits."""

import re
from zoneinfo import available_timezones

from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock_table
from portal.extensions import db
from portal.plain_text import one_line_problem


class OrganizationError(ValueError):
    """An organisation could not be created; the message is for the person at the form."""


def slugify(name: str) -> str:
    """A URL-friendly lowercase slug from a name: 'Acme Corp.' -> 'acme-corp'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def timezone_names() -> list[str]:
    """The IANA timezone names a user or organisation may choose."""
    return sorted(available_timezones())


def find_organization_by_name(name: str) -> Organization | None:
    """The organisation with this name, ignoring case."""
    stmt = select(Organization).where(func.lower(Organization.name) == name.strip().lower())
    return db.session.scalars(stmt).first()


def create_organization(
    *, name: str, account_owner: User | None = None, timezone: str = "UTC",
    by: User | None = None,
) -> Organization:
    """Create a client organisation; names and slugs are unique."""
    problem = one_line_problem({"The organisation's name": name})
    if problem:
        raise OrganizationError(problem)
    name = name.strip()
    slug = slugify(name)
    if not slug:
        raise OrganizationError("The name needs at least one letter or digit.")
    lock_table(Organization)  # a double-clicked Create would otherwise add the name twice
    if find_organization_by_name(name) or db.session.scalars(
        select(Organization).where(Organization.slug == slug)
    ).first():
        raise OrganizationError(f"An organisation called {name} already exists.")
    if timezone not in available_timezones():
        raise OrganizationError(f"{timezone} is not a timezone we know.")
    if account_owner is not None and not account_owner.is_staff:
        raise OrganizationError("The account owner must be a member of staff.")
    organization = Organization(
        name=name, slug=slug, account_owner=account_owner, timezone=timezone
    )
    db.session.add(organization)
    db.session.flush()
    audit.record("organization.created", actor=by, target=organization,
                 organization=organization, summary=name)
    return organization


def staff_members() -> list[User]:
    """Active staff and admins, by name: the people who can own accounts and projects."""
    stmt = select(User).where(User.role != "client", User.active.is_(True)).order_by(User.name)
    return list(db.session.scalars(stmt))


def all_organizations() -> list[Organization]:
    """Every client organisation, by name."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))
