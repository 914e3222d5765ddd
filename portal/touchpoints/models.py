"""A touchpoint logged on an account, and the firm's one row of touchpoint settings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db

DEFAULT_CONTACT_DAYS = 21
MAX_NOTE, MAX_SUMMARY, MAX_PEOPLE = 2000, 1000, 200


class TouchpointKind(enum.StrEnum):
    """How the firm and the client were in touch."""

    CALL = "call"
    MEETING = "meeting"
    SITE_VISIT = "site_visit"

    @property
    def label(self) -> str:
        return {"call": "Call", "meeting": "Meeting", "site_visit": "Site visit"}[self.value]


class Touchpoint(db.Model):
    """A call, meeting or site visit with a client, as staff logged it.

    Never edited once logged and never deleted, only removed (`removed_at`): a health week as
    of a past moment counts the touchpoints logged before it and not yet removed then.
    """

    __tablename__ = "touchpoint"
    __table_args__ = (
        CheckConstraint(f"length(note) <= {MAX_NOTE}", name="note_length"),
        CheckConstraint(f"client_summary IS NULL OR (client_summary <> '' AND "
                        f"length(client_summary) <= {MAX_SUMMARY})", name="summary_length"),
        CheckConstraint("client_people <> ''", name="client_people_given"),
        CheckConstraint("removed_by_id IS NULL OR removed_at IS NOT NULL",
                        name="removed_with_time"),
        Index("ix_touchpoint_organization_occurred", "organization_id", "occurred_on"),
        Index("ix_touchpoint_organization_occurred_at", "organization_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"))
    kind: Mapped[TouchpointKind] = mapped_column(str_enum(TouchpointKind, "touchpoint_kind"))
    occurred_on: Mapped[date]  # the day in the account's timezone
    # Noon of that day where the account is: where the timeline sorts it among timed entries.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    client_people: Mapped[str] = mapped_column(String(MAX_PEOPLE))
    note: Mapped[str] = mapped_column(Text, default="")  # internal: staff only
    client_summary: Mapped[str | None] = mapped_column(Text)  # what the client sees
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    organization: Mapped[Organization] = relationship()
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class TouchpointSettings(db.Model):
    """How often each account's owner should be in touch: the reminder's gap and the target
    of the Contact recency metric. One row; without it, every 21 days."""

    __tablename__ = "touchpoint_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("contact_days BETWEEN 1 AND 365", name="contact_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    contact_days: Mapped[int] = mapped_column(default=DEFAULT_CONTACT_DAYS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
