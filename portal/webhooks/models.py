"""Webhook endpoints, the events the portal emits (its webhook outbox) and their deliveries.

An event row is written in the transaction of what caused it, with one delivery row per
endpoint that chose its type; the workers send the deliveries, so nothing a user saves waits
for another program, and an event is never lost while the database keeps its row.
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


class EventType(enum.StrEnum):
    """What happened; the `type` of a webhook's payload."""

    UPDATE_PUBLISHED = "update.published"
    ETA_CHANGED = "eta.changed"
    MILESTONE_COMPLETED = "milestone.completed"
    QUESTION_ASKED = "question.asked"
    QUESTION_ANSWERED = "question.answered"
    PULSE_ANSWERED = "pulse.answered"
    FOLLOW_UP_OPENED = "follow_up.opened"
    FOLLOW_UP_RESOLVED = "follow_up.resolved"
    CLOSEOUT_PUBLISHED = "closeout.published"
    HEALTH_ALERT = "health.alert"  # staff-side: an account's health fell
    CONTACT_INVITED = "contact.invited"


class EndpointKind(enum.StrEnum):
    """A program that reads JSON, or a chat channel's incoming webhook (Slack, Teams)."""

    JSON = "json"
    CHAT = "chat"


class DeliveryStatus(enum.StrEnum):
    """Waiting (first try or a retry), claimed by a worker, delivered, or given up on."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """A URL an admin registered, the events it receives and the secret its deliveries are
    signed with (the previous secret keeps signing beside it until `previous_secret_until`)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (
        CheckConstraint("url <> ''", name="url_given"),
        CheckConstraint("secret LIKE 'whsec_%'", name="secret_format"),
        CheckConstraint("(previous_secret IS NULL) = (previous_secret_until IS NULL)",
                        name="previous_secret_has_end"),
        CheckConstraint("active OR disabled_at IS NOT NULL", name="disabled_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[EndpointKind] = mapped_column(str_enum(EndpointKind, "kind"))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    # Since when every attempt has failed (cleared by a 2xx); 24 h of it disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookEvent(db.Model):
    """Something that happened, as its versioned payload; `message_id` is its `webhook-id`."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event to one endpoint: retried until a 2xx or for about a day; the last attempt's
    answer is kept (its status code and the first 1 KB of its body)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sending' OR claimed_at IS NOT NULL", name="sending_claimed"),
        CheckConstraint("status <> 'delivered' OR delivered_at IS NOT NULL",
                        name="delivered_has_time"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_event.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "status"), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)  # the first 1 KB, as text
    last_error: Mapped[str | None] = mapped_column(String(500))

    event: Mapped[WebhookEvent] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.status} to endpoint {self.endpoint_id}>"
