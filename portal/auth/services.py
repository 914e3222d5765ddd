"""Rules for users and signing in. Functions flush; the caller commits."""

import time
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import Deactivation, Role, UpdateEmails, User
from portal.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from portal.concurrency import lock_table
from portal.db import utcnow
from portal.extensions import db
from portal.plain_text import one_line_problem
from portal.web import facts
from portal.web.live import is_poll

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH"]  # re-exported for the forms

# Checked when the email is unknown, so both answers cost one scrypt and take as long.
_UNKNOWN_USER_HASH = generate_password_hash("an unknown user has no password")


class UserError(ValueError):
    """A user could not be created or changed; the message is for the person at the form."""


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: store and look them up trimmed and lowercase."""
    return email.strip().lower()


class WrongPassword(UserError):
    """The current password given to confirm a change is not the user's."""


def check_password_rules(password: str, *, email: str | None = None) -> None:
    """Length is the rule (12 to 128 characters), not composition; common passwords never."""
    words = (current_app.config["FIRM_NAME"], "portal", "client portal")
    problem = password_problem(password, email=email, context_words=words)
    if problem:
        raise UserError(problem)


def password_matches(user: User, password: str) -> bool:
    """The user's current password is this one."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def find_user_by_email(email: str) -> User | None:
    """The user with this email, compared case-insensitively."""
    return db.session.scalars(select(User).where(User.email == normalize_email(email))).first()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; same cost either way."""
    user = find_user_by_email(email)
    stored = user.password_hash if user and user.password_hash else _UNKNOWN_USER_HASH
    password_ok = check_password_hash(stored, password)
    if user is None or not user.password_hash or not password_ok or not user.active:
        return None
    return user


def session_key(user: User, *, signed_in_at: int) -> str:
    """What the session and the remember-me cookie carry: id, session version, sign-in time."""
    return f"{user.get_id()}:{signed_in_at}"


@cache
def _signed_in_user(*, with_organization: bool) -> Select[tuple[User]]:
    """The user, with their organisation, which every page shows (header, timezone), unless
    the request is a poll.

    Built once (on first use: the eager load needs every model mapped): composing it on each
    request cost more than running it, on every request there is.
    """
    stmt = select(User).where(User.id == bindparam("user_id"))
    return stmt.options(joinedload(User.organization)) if with_organization else stmt


def load_user(session_key: str) -> User | None:
    """Flask-Login's loader: the user if active, the session's version is still current and
    the sign-in is younger than the remember-me bound (which no session outlives)."""
    parts = session_key.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    user_id, version, signed_in_at = (int(part) for part in parts)
    if time.time() - signed_in_at > current_app.config["REMEMBER_DAYS"] * 86400:
        return None
    polling = is_poll()
    # What the page shows beside the user (the header's branding and pulse banner, the
    # page's own version) comes in the same statement: portal/web/facts.py.
    stmt, params = facts.with_facts(_signed_in_user(with_organization=not polling),
                                    polling=polling)
    row = db.session.execute(stmt, {"user_id": user_id, **params}).one_or_none()
    if row is None or not row[0].active or row[0].session_version != version:
        return None
    facts.remember(row[1:])
    return row[0]


def record_sign_in(user: User) -> None:
    """Note when the user last signed in."""
    user.last_sign_in_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie issued before now stops working."""
    user.session_version += 1


def record_active(user: User, active: bool, *, now: datetime | None = None) -> None:
    """Switch signing in on or off and keep when: a deactivation opens a span, a reactivation
    closes it, so who was active at any past moment stays known (see active_at)."""
    if user.active == active:
        return
    now = now or utcnow()
    if active:
        for span in db.session.scalars(select(Deactivation).where(
                Deactivation.user_id == user.id, Deactivation.reactivated_at.is_(None))):
            span.reactivated_at = now
    else:
        db.session.add(Deactivation(user_id=user.id, deactivated_at=now))
    user.active = active
    db.session.flush()


def active_at(as_of: datetime) -> ColumnElement[bool]:
    """Whether a user (in the enclosing query) existed and could sign in at that moment."""
    deactivated = select(Deactivation.id).where(
        Deactivation.user_id == User.id, Deactivation.deactivated_at <= as_of,
        or_(Deactivation.reactivated_at.is_(None), Deactivation.reactivated_at > as_of))
    return and_(User.created_at < as_of, ~deactivated.exists())


def set_password(user: User, password: str) -> None:
    """Check the rules, then store a slow hash of the password."""
    check_password_rules(password, email=user.email)
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = utcnow()


def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own change: the current password first; every other session then ends."""
    if not password_matches(user, current):
        raise WrongPassword("That is not your current password.")
    if current == new:
        raise UserError("The new password must differ from the current one.")
    set_password(user, new)
    end_all_sessions(user)
    audit.record("auth.password_changed", actor=user, target=user,
                 organization=user.organization, summary=user.email)


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    organization: Organization | None = None,
    password: str | None = None,
    job_title: str | None = None,
    phone: str | None = None,
    by: User | None = None,
) -> User:
    """Create a user; clients need an organisation and staff have none."""
    problem = one_line_problem({"The email address": email, "The name": name,
                                "The job title": job_title, "The phone number": phone})
    if problem:
        raise UserError(problem)
    email = normalize_email(email)
    lock_table(User)  # a double-clicked Create would otherwise add the email twice
    if find_user_by_email(email):
        raise UserError(f"A user with the email {email} already exists.")
    if (role == Role.CLIENT) != (organization is not None):
        raise UserError("Client users belong to one organisation; staff and admins to none.")
    user = User(
        email=email, name=name.strip(), role=role, organization=organization,
        job_title=job_title, phone=phone,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=by, target=user, organization=organization,
                 summary=f"{email} as {role.value}")
    return user




def update_settings(
    user: User, *, name: str, phone: str | None, timezone: str | None,
    update_emails: UpdateEmails,
) -> None:
    """Save the user's own settings; an empty timezone means the organisation's."""
    problem = one_line_problem({"Your name": name, "Your phone number": phone})
    if problem:
        raise UserError(problem)
    if timezone and timezone not in available_timezones():
        raise UserError(f"{timezone} is not a timezone we know.")
    user.name = name.strip()
    user.phone = phone or None
    user.timezone = timezone or None
    user.update_emails = update_emails
    audit.record("user.settings_changed", actor=user, target=user,
                 organization=user.organization,
                 summary=f"timezone {user.timezone or 'organisation'}, emails {update_emails}")
