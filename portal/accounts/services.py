"""Rules for client organisations, their users and invitations, and staff roles.
Functions flush; the caller commits."""

import re
from zoneinfo import available_timezones

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts import invitations, photos
from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth import services as auth
from portal.auth.models import EmailToken, Role, User
from portal.concurrency import check_version, edit_version, lock, lock_table
from portal.db import utcnow
from portal.extensions import db
from portal.plain_text import one_line_problem

MAX_USER_QUERY = 200  # characters: longer than any name or email; a longer search is not run
USERS_PAGE_SIZE = 50


class OrganizationError(ValueError):
    """An organisation could not be created; the message is for the person at the form."""


def slugify(name: str) -> str:
    """A URL-friendly lowercase slug from a name: 'Acme Corp.' -> 'acme-corp'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


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


def details_version(organization: Organization) -> str:
    """The version of what the account's edit form shows."""
    return edit_version(organization.name, organization.account_owner_id,
                        organization.care_owner_id, organization.timezone)


def edit_organization(
    organization: Organization, *, name: str, account_owner: User | None,
    care_owner: User | None, timezone: str, by: User, seen: str | None = None,
) -> dict:
    """Change an account's name, owner, client-care owner and timezone; the changes made, by
    field (old, new), audited. Refused if the form was opened on another state."""
    problem = one_line_problem({"The organisation's name": name})
    if problem:
        raise OrganizationError(problem)
    name = name.strip()
    if not slugify(name):
        raise OrganizationError("The name needs at least one letter or digit.")
    lock_table(Organization)  # the name is checked against the others
    lock(organization)
    check_version(seen, details_version(organization))
    if name.lower() != organization.name.lower() and find_organization_by_name(name):
        raise OrganizationError(f"An organisation called {name} already exists.")
    if timezone not in available_timezones():
        raise OrganizationError(f"{timezone} is not a timezone we know.")
    if any(person is not None and not person.is_staff for person in (account_owner, care_owner)):
        raise OrganizationError("Owners must be members of staff.")
    people = {None: "nobody"} | {u.id: u.name for u in (
        organization.account_owner, organization.care_owner, account_owner, care_owner) if u}
    wanted = {"name": name, "account_owner_id": account_owner.id if account_owner else None,
              "care_owner_id": care_owner.id if care_owner else None, "timezone": timezone}
    changes = {field: (getattr(organization, field), value) for field, value in wanted.items()
               if getattr(organization, field) != value}
    for field, (_, value) in changes.items():
        setattr(organization, field, value)
    db.session.flush()
    if changes:
        shown = {field.removesuffix("_id"): (people[old], people[new]) if field.endswith("_id")
                 else (old, new) for field, (old, new) in changes.items()}
        audit.record("organization.edited", actor=by, target=organization,
                     organization=organization, summary="; ".join(
                         f"{field}: {old!r} -> {new!r}" for field, (old, new) in shown.items()))
    return changes


def set_archived(organization: Organization, archived: bool, *, by: User) -> None:
    """Archive an account (gone from its clients and staff lists, no more health alerts;
    nothing deleted) or restore it."""
    lock(organization)
    if organization.is_archived == archived:
        return
    organization.archived_at = utcnow() if archived else None
    db.session.flush()
    audit.record("organization.archived" if archived else "organization.restored", actor=by,
                 target=organization, organization=organization, summary=organization.name)


def staff_members() -> list[User]:
    """Active staff and admins, by name: the people who can own accounts and projects."""
    stmt = select(User).where(User.role != "client", User.active.is_(True)).order_by(User.name)
    return list(db.session.scalars(stmt))


def all_organizations() -> list[Organization]:
    """Every client organisation, by name."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


# Users and roles --------------------------------------------------------------------------

def users_listed(*, query: str = "", role: Role | None = None) -> Select[tuple[User]]:
    """The users the admin list shows, staff first, then clients by organisation: those whose
    name or email contains the text (any case), of the role asked for (all when None)."""
    stmt = (select(User).options(joinedload(User.organization))
            .order_by(User.organization_id.is_not(None), User.organization_id, User.name,
                      User.id))
    text = query.strip().lower()
    if text:
        stmt = stmt.where(or_(func.lower(User.name).contains(text, autoescape=True),
                              func.lower(User.email).contains(text, autoescape=True)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt


def set_active(user: User, active: bool, *, by: User) -> None:
    """Allow or stop a user signing in; deactivating also ends their open sessions."""
    if user.id == by.id and not active:
        raise auth.UserError("You cannot deactivate your own account.")
    lock(user)  # two admins at once open one deactivation span, not two
    if user.active and not active:
        auth.end_all_sessions(user)
    if user.active != active:
        audit.record("user.activated" if active else "user.deactivated", actor=by, target=user,
                     organization=user.organization, summary=user.email)
    auth.record_active(user, active)


def change_role(user: User, role: Role, *, by: User) -> None:
    """Move a member of staff between staff and admin; their open sessions end."""
    if user.id == by.id:
        raise auth.UserError("You cannot change your own role; ask another admin.")
    if Role.CLIENT in (user.role, role):
        raise auth.UserError("Clients and firm staff are separate accounts; create a new user.")
    if user.role == role:
        return
    audit.record("user.role_changed", actor=by, target=user,
                 summary=f"{user.email}: {user.role.value} to {role.value}")
    user.role = role
    auth.end_all_sessions(user)


# Invitations (many at once, resend and revoke: invitations.py) ----------------------------

def invite_client(
    organization: Organization, *, email: str, name: str, by: User
) -> tuple[User, EmailToken]:
    """Create the client user (no password) if new and email them a link to choose one, valid
    7 days. Inviting again someone who has not accepted yet sends a new link, voiding the old."""
    email = auth.normalize_email(email)
    user = auth.find_user_by_email(email)
    if user is None:
        user = auth.create_user(email=email, name=name, role=Role.CLIENT,
                                organization=organization, by=by)
    elif user.organization_id != organization.id:
        raise auth.UserError(f"{email} already has an account elsewhere in the portal.")
    elif user.password_hash is None and not user.active and user.last_sign_in_at is not None:
        raise auth.UserError(f"{user.name}'s account is deactivated; activate it first.")
    return user, invitations.send_invitation(user, by=by)


# Profiles -----------------------------------------------------------------------------------

class ProfileRefused(auth.UserError):
    """A name, job title, phone or photo that cannot be saved; `field` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


PROFILE_LABELS = {"name": "The name", "job_title": "The job title", "phone": "The phone number"}


def _profile_problem(values: dict[str, str | None]) -> ProfileRefused | None:
    for field, label in PROFILE_LABELS.items():
        problem = one_line_problem({label: values[field]})
        if problem:
            return ProfileRefused(field, problem)
        longest = User.__table__.c[field].type.length
        if values[field] and len(values[field].strip()) > longest:
            return ProfileRefused(field, f"{label} is too long: at most {longest} characters.")
    if not values["name"].strip():
        return ProfileRefused("name", "A name is needed.")
    return None


def profile_version(user: User) -> str:
    """The version of what the profile form shows: name, job title, phone and photo."""
    return edit_version(user.name, user.job_title, user.phone, user.photo_version)


def update_profile(
    user: User, *, name: str, job_title: str | None, phone: str | None,
    photo: bytes | None = None, remove_photo: bool = False, by: User, seen: str | None = None,
) -> None:
    """Change what others see of a person beside "who to call": name, job title, phone and,
    for staff, photo (a client contact has none). A refused photo changes nothing at all, and
    neither does a form opened on another state than `seen` (ChangedMeanwhile)."""
    if not user.is_staff and (photo is not None or remove_photo):
        raise ProfileRefused("photo", "Photos are for the firm's staff.")
    problem = _profile_problem({"name": name, "job_title": job_title, "phone": phone})
    if problem:
        raise problem
    lock(user)
    check_version(seen, profile_version(user))
    before = (user.name, user.job_title, user.phone)
    if photo is not None:
        photos.set_photo(user, photo)
    elif remove_photo:
        photos.remove_photo(user)
    user.name, user.job_title, user.phone = name.strip(), job_title or None, phone or None
    changes = [f"{label} {old or '—'} to {new or '—'}" for label, old, new in zip(
        ("name", "job title", "phone"), before, (user.name, user.job_title, user.phone),
        strict=True) if old != new]
    if photo is not None or remove_photo:
        changes.append("new photo" if photo is not None else "photo removed")
    if changes:
        audit.record("user.profile_changed", actor=by, target=user,
                     organization=user.organization,
                     summary=f"{user.email}: " + "; ".join(changes))
    db.session.flush()
