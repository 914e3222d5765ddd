"""The email outbox: one row per email, written in the transaction of what caused it.

A worker (portal.tasks) claims due rows and sends them by SMTP; the row, not the queue, is the
truth, so an email survives SMTP or Redis being down and goes out when they are back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


class MessageKind(enum.StrEnum):
    """Why an email is sent; also the name of its templates under templates/email/."""

    UPDATE_PUBLISHED = "update_published"
    QUESTION_ASKED = "question_asked"
    QUESTION_ANSWERED = "question_answered"
    WEEKLY_DIGEST = "weekly_digest"
    PULSE_REQUEST = "pulse_request"
    PULSE_REMINDER = "pulse_reminder"  # a reminder of an unanswered pulse
    CLOSEOUT_PUBLISHED = "closeout_published"
    FOLLOW_UP_OPENED = "follow_up_opened"
    HEALTH_ALERT = "health_alert"  # to staff only: internal, never to a client
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a password)
    SIGN_IN_LINK = "sign_in_link"
    EMAIL_CHANGE = "email_change"  # the confirmation link, to the new address
    EMAIL_CHANGE_NOTICE = "email_change_notice"  # to the old address
    WEBHOOK_DISABLED = "webhook_disabled"  # to the admin who registered the endpoint
    SHORTLIST_PRESENTED = "shortlist_presented"  # a link only: never a CV or contact details
    INTERVIEW_PROPOSED = "interview_proposed"  # times to choose from, a link only
    INTERVIEW_BOOKED = "interview_booked"  # with its .ics invitation, to client and staff
    FOLLOW_UP_RESOLVED = "follow_up_resolved"  # to the client: what we did; did it fix it?
    FOLLOW_UP_REOPENED = "follow_up_reopened"  # to the owner: the client said "not yet"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"  # to the owner's manager, once a round
    CARE_HANDOFF = "care_handoff"  # to the client-care owner: the account's health as it stood
    TOUCHPOINT_REMINDER = "touchpoint_reminder"  # to staff only: an account out of touch


class OutboxStatus(enum.StrEnum):
    """Where an email is: waiting, claimed by a worker, delivered, or given up on."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One email to one person, rendered when queued, sent by the worker at least once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("to_address <> '' AND subject <> ''", name="address_and_subject_given"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sending' OR claimed_at IS NOT NULL", name="sending_claimed"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # An invitation (an iCalendar METHOD:REQUEST) sent with the email as its .ics attachment.
    calendar: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "kind"))
    # Makes queueing idempotent: the same cause for the same person is one email, once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.to_address} {self.status}>"


class AskKind(enum.StrEnum):
    """What the portal asks of a client person; every kind goes through one budget."""

    PULSE = "pulse"
    REMINDER = "reminder"  # a reminder of an unanswered pulse
    CHECK_IN = "check_in"  # a placement check-in


class AskState(enum.StrEnum):
    """Waiting for the person's budget, sent, or dropped (what it asked about went away)."""

    WAITING = "waiting"
    SENT = "sent"
    DROPPED = "dropped"


class Ask(db.Model):
    """One ask of one client person, kept whether it went out at once or waits its turn."""

    __tablename__ = "ask"
    __table_args__ = (
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
        CheckConstraint("priority BETWEEN 0 AND 99", name="priority_range"),
        Index("ix_ask_user_sent", "user_id", "sent_at"),
        Index("ix_ask_waiting", "user_id", "priority", "created_at",
              postgresql_where=text("state = 'waiting'"),
              sqlite_where=text("state = 'waiting'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[AskKind] = mapped_column(str_enum(AskKind, "kind"))
    priority: Mapped[int]  # lower goes first: a closeout pulse before a periodic one
    # What is asked, e.g. "pulse:12" or "reminder:12:1": asking twice for it is one ask.
    subject_key: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[AskState] = mapped_column(str_enum(AskState, "state"))
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


SETTINGS_ID = 1


class AskSettings(db.Model):
    """The one row of admin-set reminder days and quiet hours; absent, the configured defaults."""

    __tablename__ = "ask_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),
        CheckConstraint("first_reminder_day >= 1 AND second_reminder_day > first_reminder_day",
                        name="reminder_days_ordered"),
        CheckConstraint("quiet_start BETWEEN 0 AND 23 AND quiet_end BETWEEN 0 AND 23",
                        name="quiet_hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_reminder_day: Mapped[int]
    second_reminder_day: Mapped[int]
    quiet_start: Mapped[int]  # the hour quiet begins, local time (20 = 20:00)
    quiet_end: Mapped[int]  # the hour it ends: held emails go out then (8 = 08:00)
    quiet_weekends: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
