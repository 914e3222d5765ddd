"""Audit events, written once and never changed, except that a privacy request replaces the
people's personal data in them by pseudonyms (portal/audit/services.py pseudonymise)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class AuditEvent(db.Model):
    """One action: who (kept by email too, should the user go), what, on which object, where."""

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("action <> ''", name="action_not_empty"),
        Index("ix_audit_event_created", "created_at"),
        Index("ix_audit_event_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    organization: Mapped[Organization | None] = relationship()
