"""Interviews, placements and their check-ins: what happens to a candidate after the shortlist.

Beside the shortlist models (portal.selection.models), which these rows point at.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.pulses.models import PulseRequest
from portal.selection.models import Candidate
from portal.web.changes import ClientVisible

MAX_SLOTS = 3
DEFAULT_CHECK_IN_DAYS = (30, 60, 90)


class InterviewState(enum.StrEnum):
    """Slots proposed, one of them booked by the client, or other times asked for."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    OTHER_TIMES = "other_times"

    @property
    def label(self) -> str:
        return {"proposed": "Times proposed", "booked": "Booked",
                "other_times": "Other times asked for"}[self.value]


class Interview(ClientVisible, db.Model):
    """An interview with a candidate: up to three slots proposed by staff, one picked by the
    client. The staff member who proposed it is its contact."""

    __tablename__ = "interview"
    project_key = None
    __table_args__ = (
        CheckConstraint("(state = 'booked') = (starts_at IS NOT NULL)", name="booked_has_time"),
        CheckConstraint("minutes BETWEEN 15 AND 240", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    state: Mapped[InterviewState] = mapped_column(
        str_enum(InterviewState, "state"), default=InterviewState.PROPOSED)
    minutes: Mapped[int] = mapped_column(default=45)
    where: Mapped[str | None] = mapped_column(String(200))  # "Video call", an address
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_note: Mapped[str | None] = mapped_column(Text)  # why other times were asked for
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # Counts the invitations sent, so a rebooked interview's .ics replaces the earlier one.
    sequence: Mapped[int] = mapped_column(default=0)

    candidate: Mapped[Candidate] = relationship()
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    slots: Mapped[list[InterviewSlot]] = relationship(
        back_populates="interview", order_by="InterviewSlot.position",
        cascade="all, delete-orphan", passive_deletes=True)

    def shown_on(self) -> object:
        """Where its candidate is shown."""
        return self.candidate.shown_on()


class InterviewSlot(ClientVisible, db.Model):
    """One proposed time, kept in UTC and shown where each person is."""

    __tablename__ = "interview_slot"
    project_key = None
    __table_args__ = (
        UniqueConstraint("interview_id", "position"),
        CheckConstraint(f"position BETWEEN 0 AND {MAX_SLOTS - 1}", name="at_most_three"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    position: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)

    interview: Mapped[Interview] = relationship(back_populates="slots")

    def shown_on(self) -> object:
        """Where its interview is shown."""
        return self.interview.shown_on()


class Placement(db.Model):
    """A candidate placed with the client: from a start date, reporting to a hiring manager
    (a client user, asked the check-ins); `left_on` when the person left early."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= starts_on", name="left_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), unique=True)
    starts_on: Mapped[date]
    hiring_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    placed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_on: Mapped[date | None]

    candidate: Mapped[Candidate] = relationship()
    hiring_manager: Mapped[User | None] = relationship(foreign_keys=[hiring_manager_id])
    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_id])
    check_ins: Mapped[list[CheckIn]] = relationship(
        back_populates="placement", order_by="CheckIn.day", cascade="all, delete-orphan",
        passive_deletes=True)


class CheckIn(db.Model):
    """The hiring manager asked, `day` days after the start, how the placed person is doing:
    a pulse of the check-in kind once due (held by the fatigue rule like any pulse)."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("placement_id", "day"),
        CheckConstraint("day BETWEEN 1 AND 730", name="day_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    day: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("pulse_request.id", ondelete="SET NULL"), unique=True)

    placement: Mapped[Placement] = relationship(back_populates="check_ins")
    request: Mapped[PulseRequest | None] = relationship()


class CheckInSettings(db.Model):
    """The firm's one row: the days into a placement on which the hiring manager is asked."""

    __tablename__ = "check_in_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("days <> ''", name="days_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[str] = mapped_column(String(60), default="30,60,90")  # ascending, comma-separated
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
