"""A project's closeout: what was delivered against the plan, and who looks after the client."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.web.changes import ClientVisible

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.projects.models import Project


class Closeout(ClientVisible, db.Model):
    """One per project: the summary the client reads on the web and as a PDF.

    The PDF is cached in the row with the fingerprint of everything it was rendered from;
    an edit discards it, and a request for it renders it again when the fingerprint differs.
    The bytes are deferred so pages that show the text never load them.
    """

    __tablename__ = "closeout"
    internal_fields = frozenset({"pdf", "pdf_fingerprint", "pdf_rendered_at"})  # its cache
    names_people = ("care_contact_id",)
    __table_args__ = (
        CheckConstraint(
            "summary <> '' AND outcomes <> '' AND care_next_steps <> ''", name="text_given"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "published_at IS NULL OR updated_at >= published_at", name="updated_after_published"
        ),
        CheckConstraint(
            "(pdf IS NULL AND pdf_fingerprint IS NULL AND pdf_rendered_at IS NULL)"
            " OR (pdf IS NOT NULL AND pdf_fingerprint IS NOT NULL AND pdf_rendered_at IS NOT NULL)",
            name="pdf_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text)
    outcomes: Mapped[str] = mapped_column(Text)
    lessons: Mapped[str] = mapped_column(Text, default="")
    care_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    care_reach: Mapped[str] = mapped_column(String(500), default="")
    care_next_steps: Mapped[str] = mapped_column(Text)
    # Bumped by every edit; part of the PDF's fingerprint.
    version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_fingerprint: Mapped[str | None] = mapped_column(String(64))
    pdf_rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="closeout")
    care_contact: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Closeout of project {self.project_id} v{self.version}>"


class CareHandoff(db.Model):
    """The hand-off to client care at a closeout: the account's health page as it stood then
    (kept as shown, never recomputed), and the 90-day pulse from the client-care owner."""

    __tablename__ = "care_handoff"
    __table_args__ = (
        CheckConstraint("care_pulse_due_at > handed_at", name="pulse_after_handoff"),
        Index("ix_care_handoff_pulse_due", "care_pulse_due_at",
              postgresql_where=text("care_pulse_sent_at IS NULL"),
              sqlite_where=text("care_pulse_sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    closeout_id: Mapped[int] = mapped_column(
        ForeignKey("closeout.id", ondelete="CASCADE"), unique=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    care_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Score, band, metrics, open follow-ups and the last three reviews, as plain values.
    health: Mapped[dict] = mapped_column(JSON, default=dict)
    care_pulse_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    care_pulse_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    closeout: Mapped[Closeout] = relationship()
    care_owner: Mapped[User | None] = relationship()
