"""The email outbox: one row per email, written in the transaction of what caused it.

A worker (portal.tasks) claims due rows and sends them by SMTP; the row, not the queue, is the
truth, so an email survives SMTP or Redis being down and goes out when they are back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
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
    CLOSEOUT_PUBLISHED = "closeout_published"
    FOLLOW_UP_OPENED = "follow_up_opened"
    HEALTH_ALERT = "health_alert"  # to staff only: internal, never to a client
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a password)
    SIGN_IN_LINK = "sign_in_link"
    EMAIL_CHANGE = "email_change"  # the confirmation link, to the new address
    EMAIL_CHANGE_NOTICE = "email_change_notice"  # to the old address
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
