"""Client organisations: the accounts the firm serves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.web.changes import ShownOnProjects

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.projects.models import Project


class Organization(ShownOnProjects, db.Model):
    """A client account, looked after by one staff account owner."""

    # What its clients see on every project's pages (the name, the owner they can call, the
    # timezone their dates are in): a change refreshes them all.
    shown_fields = frozenset({"name", "account_owner_id", "timezone", "archived_at"})

    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("slug <> '' AND slug = lower(slug)", name="slug_lowercase"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    account_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL", use_alter=True), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Who on staff looks after the client between projects (the closeout hands over to them).
    care_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL", use_alter=True), index=True
    )
    # The firm's own id for the account (its CRM's): what an import matches rows on.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while the account is archived: gone from its clients and staff lists, kept for reports.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account_owner: Mapped[User | None] = relationship(foreign_keys=[account_owner_id])
    care_owner: Mapped[User | None] = relationship(foreign_keys=[care_owner_id])
    users: Mapped[list[User]] = relationship(
        back_populates="organization", foreign_keys="User.organization_id"
    )
    projects: Mapped[list[Project]] = relationship(
        back_populates="organization", order_by="Project.id"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class StaffPhoto(db.Model):
    """A member of staff's photo, shown to clients beside "who to call": always a JPEG the
    portal made itself (portal/accounts/photos.py), never the uploaded file.

    Kept in the database rather than in instance/: every web process and host serves the same
    photo without a shared disk, and backups carry it. At 256 px it is some 15 KB.
    """

    __tablename__ = "staff_photo"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
