"""Who signs in: client users, staff and admins."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.web.changes import ShownPerson

if TYPE_CHECKING:
    from portal.accounts.models import Organization


class Role(enum.StrEnum):
    """What a user may do: clients see their organisation, staff all accounts, admins manage."""

    CLIENT = "client"
    STAFF = "staff"
    ADMIN = "admin"


class UpdateEmails(enum.StrEnum):
    """How a client wants to hear about status updates by email."""

    IMMEDIATE = "immediate"
    WEEKLY_DIGEST = "weekly_digest"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "immediate": "An email for each update, as it is published",
            "weekly_digest": "One weekly digest of the week's updates",
            "none": "No emails: I will look in the portal",
        }[self.value]


class User(ShownPerson, db.Model):
    """A person who signs in; a client belongs to exactly one organisation, staff to none."""

    __tablename__ = "user_account"
    # What clients see of a project's contact or a step's owner (templates/_macros/ui.html)
    shown_fields = frozenset({"name", "job_title", "email", "phone", "photo_version"})
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("email <> '' AND name <> ''", name="email_and_name_given"),
        CheckConstraint(
            "(role = 'client' AND organization_id IS NOT NULL)"
            " OR (role <> 'client' AND organization_id IS NULL)",
            name="client_has_organization",
        ),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
        CheckConstraint(
            "two_factor_enabled_at IS NULL OR totp_secret IS NOT NULL",
            name="two_factor_has_secret",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    job_title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    # A digest of the staff photo (portal/accounts/photos.py), in its URL; None: initials.
    photo_version: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The firm's own id for a client contact (its CRM's): what an import matches rows on.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    update_emails: Mapped[UpdateEmails] = mapped_column(
        str_enum(UpdateEmails, "update_emails"), default=UpdateEmails.IMMEDIATE
    )
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor: a secret with no enabled time is an enrolment not yet confirmed by a code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column()  # a code is accepted once, never replayed

    organization: Mapped[Organization | None] = relationship(
        back_populates="users", foreign_keys=[organization_id]
    )

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session key: id and session version, so bumping the version ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        """Staff and admins work for the firm; clients do not."""
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def has_two_factor(self) -> bool:
        """Signing in needs a code from an authenticator app as well as the password."""
        return self.two_factor_enabled_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def initials(self) -> str:
        """Up to two initials, for avatars."""
        return "".join(part[0] for part in self.name.split()[:2]).upper()

    @property
    def organization_timezone(self) -> str:
        """The organisation's timezone (UTC for staff): what an empty own timezone means."""
        return self.organization.timezone if self.organization else "UTC"

    @property
    def effective_timezone(self) -> str:
        """The user's own timezone, else the organisation's, else UTC."""
        return self.timezone or self.organization_timezone

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Deactivation(db.Model):
    """A span when a user could not sign in: from deactivation to reactivation (open while
    still deactivated). Metrics "as of" a moment count the users active then, so a later
    deactivation never rewrites past weeks; a reactivation closes the span, and the next
    deactivation opens a new one."""

    __tablename__ = "user_deactivation"
    __table_args__ = (
        CheckConstraint("reactivated_at IS NULL OR reactivated_at >= deactivated_at",
                        name="reactivated_after"),
        Index("ix_user_deactivation_user_deactivated", "user_id", "deactivated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    deactivated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept.

    The codes are 50 random bits each, so a fast SHA-256 is enough: there is nothing to guess
    from a leaked hash the way there is from a leaked password hash.
    """

    __tablename__ = "recovery_code"
    __table_args__ = (CheckConstraint("length(code_hash) = 64", name="code_hash_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecuritySettings(db.Model):
    """The one row of firm-wide security choices an admin makes; absent means the defaults."""

    __tablename__ = "security_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    require_staff_two_factor: Mapped[bool] = mapped_column(default=False)
    # Invitations and password reset always work; this switches off only the magic links.
    allow_client_email_sign_in: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TokenPurpose(enum.StrEnum):
    """What an emailed link is for; each has its own lifetime (portal/auth/email_tokens.py)."""

    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a password)
    SIGN_IN_LINK = "sign_in_link"
    EMAIL_CHANGE = "email_change"


class EmailToken(db.Model):
    """A single-use link sent by email: only the SHA-256 of its random token is kept.

    password_fingerprint is the SHA-256 of the user's password hash when the link was made
    (of "" with no password yet), so any password change voids every link issued before it.
    """

    __tablename__ = "email_token"
    __table_args__ = (
        CheckConstraint("length(token_hash) = 64", name="token_hash_sha256"),
        CheckConstraint("length(password_fingerprint) = 64", name="fingerprint_sha256"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("(purpose = 'email_change') = (new_email IS NOT NULL)",
                        name="new_email_for_email_change"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "purpose"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First time the link's page was opened (mail scanners open links too: a hint, not proof).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Replaced by a newer link of the same purpose, or withdrawn: it no longer works.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The address an email-change link moves the account to (only for that purpose).
    new_email: Mapped[str | None] = mapped_column(String(254))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class SignInThrottle(db.Model):
    """Failed sign-ins for one account, or for one account from one address (portal/auth/
    throttle.py). Kept in the database so every worker and every restart counts the same;
    a row is forgotten a day after its last failure.

    key is the SHA-256 of what is counted, so the row's size is fixed whatever was typed.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (
        CheckConstraint("length(key) = 64", name="key_sha256"),
        CheckConstraint("failures > 0", name="failures_positive"),
    )

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
