"""Emit webhook events: one event row and a delivery per subscribed endpoint, added in the
transaction of the change that caused them (they commit with it or not at all). Functions
flush; the caller commits. The features call the function named after what happened.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.webhooks import payloads
from portal.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.closeout.models import Closeout
    from portal.health.models import HealthAlert
    from portal.projects.models import EtaChange, Milestone, Question, Reply, StatusUpdate
    from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest


def message_id() -> str:
    """A new `webhook-id`: the same on every retry of an event, unique across events."""
    return "msg_" + secrets.token_urlsafe(18)


def emit(event_type: EventType, data: dict[str, Any]) -> WebhookEvent | None:
    """Record an event for every active endpoint that chose its type; None when none did
    (nothing is kept that nobody will receive)."""
    endpoints = [e for e in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(
            WebhookEndpoint.id)) if event_type.value in e.events]
    if not endpoints:
        return None
    now = utcnow()
    event = WebhookEvent(message_id=message_id(), type=event_type.value, created_at=now,
                         payload=payloads.envelope(event_type, data, now))
    db.session.add(event)
    db.session.add_all(WebhookDelivery(event=event, endpoint=endpoint, created_at=now,
                                       next_attempt_at=now) for endpoint in endpoints)
    db.session.flush()
    return event


def update_published(update: StatusUpdate) -> None:
    """`update.published`."""
    emit(EventType.UPDATE_PUBLISHED, payloads.update_published(update))


def eta_changed(change: EtaChange) -> None:
    """`eta.changed`: a project's or a milestone's ETA."""
    emit(EventType.ETA_CHANGED, payloads.eta_changed(change))


def milestone_completed(milestone: Milestone) -> None:
    """`milestone.completed`."""
    emit(EventType.MILESTONE_COMPLETED, payloads.milestone_completed(milestone))


def question_asked(question: Question) -> None:
    """`question.asked` (a question or a concern)."""
    emit(EventType.QUESTION_ASKED, payloads.question_asked(question))


def question_answered(reply: Reply) -> None:
    """`question.answered`: a reply from someone at the firm."""
    emit(EventType.QUESTION_ANSWERED, payloads.question_answered(reply))


def pulse_answered(request: PulseRequest, answers: list[PulseAnswer]) -> None:
    """`pulse.answered` (answering again sends the changed answers again)."""
    emit(EventType.PULSE_ANSWERED, payloads.pulse_answered(request, answers))


def follow_up_opened(follow_up: FollowUp) -> None:
    """`follow_up.opened`."""
    emit(EventType.FOLLOW_UP_OPENED, payloads.follow_up(follow_up))


def follow_up_resolved(follow_up: FollowUp) -> None:
    """`follow_up.resolved`."""
    emit(EventType.FOLLOW_UP_RESOLVED, payloads.follow_up(follow_up))


def closeout_published(closeout: Closeout) -> None:
    """`closeout.published`."""
    emit(EventType.CLOSEOUT_PUBLISHED, payloads.closeout_published(closeout))


def health_alert(alert: HealthAlert) -> None:
    """`health.alert` (staff-side)."""
    emit(EventType.HEALTH_ALERT, payloads.health_alert(alert))


def contact_invited(user: User, by: User) -> None:
    """`contact.invited`."""
    emit(EventType.CONTACT_INVITED, payloads.contact_invited(user, by))
