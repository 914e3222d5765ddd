"""Emails of the loop the client sees: what was done and "Did this fix it?" to the client, a
"not yet" to the follow-up's owner, an overdue follow-up to the owner's manager, and the
hand-off to client care. Functions add outbox rows and flush; the caller commits."""

from datetime import datetime

from portal.auth.models import User
from portal.db import zone_or_utc
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message, wants_email


def day_for(moment: datetime, person: User) -> str:
    """A moment as the person's own day: "5 Dec 2026"."""
    return f"{moment.astimezone(zone_or_utc(person.effective_timezone)):%-d %b %Y}"


def queue_follow_up_resolved(follow_up, *, token: str) -> OutboxMessage | None:
    """Tell the client who answered what was done, with one click each for "Did this fix it?"
    (each opens a page that asks to confirm: a mail scanner opening it records nothing)."""
    request = follow_up.request
    client = request.user
    if not wants_email(client):
        return None
    url = absolute_url("pulses.fix", token=token)
    message = queue_message(
        client, MessageKind.FOLLOW_UP_RESOLVED,
        dedupe_key=f"follow-up-resolved:{follow_up.id}:{follow_up.round}",
        subject="What we did about what you told us",
        told_on=day_for(request.answered_at or follow_up.opened_at, client),
        summary=follow_up.client_summary,
        resolver_name=follow_up.resolved_by.name if follow_up.resolved_by else None,
        yes_url=f"{url}?answer=fixed", not_yet_url=f"{url}?answer=not_yet",
    )
    db.session.flush()
    return message


def _owner(follow_up) -> User | None:
    return follow_up.owner or follow_up.request.organization.account_owner


def queue_follow_up_reopened(follow_up) -> OutboxMessage | None:
    """Tell the follow-up's owner the client said it is not fixed yet, and the new due day."""
    owner = _owner(follow_up)
    if not wants_email(owner) or not owner.is_staff:
        return None
    request = follow_up.request
    message = queue_message(
        owner, MessageKind.FOLLOW_UP_REOPENED,
        dedupe_key=f"follow-up-reopened:{follow_up.id}:{follow_up.round}",
        subject=f"Not fixed yet: {request.user.name} at {request.organization.name}",
        client_name=request.user.name, organization_name=request.organization.name,
        reason=follow_up.reason, summary=follow_up.client_summary,
        due=day_for(follow_up.due_at, request.user), report_url=absolute_url("pulses.report"),
    )
    db.session.flush()
    return message


def queue_follow_up_overdue(follow_up, manager: User, *, now: datetime) -> OutboxMessage | None:
    """Tell the owner's manager a follow-up is past its 2 working days (once a round)."""
    if not wants_email(manager) or not manager.is_staff:
        return None
    request = follow_up.request
    owner = _owner(follow_up)
    message = queue_message(
        manager, MessageKind.FOLLOW_UP_OVERDUE,
        dedupe_key=f"follow-up-overdue:{follow_up.id}:{follow_up.round}:{manager.id}",
        subject=f"Overdue follow-up: {request.user.name} at {request.organization.name}",
        client_name=request.user.name, organization_name=request.organization.name,
        owner_name=owner.name if owner else "nobody", reason=follow_up.reason,
        due=day_for(follow_up.due_at, request.user),
        hours_late=int((now - follow_up.due_at).total_seconds() // 3600),
        report_url=absolute_url("pulses.report"),
    )
    db.session.flush()
    return message


def queue_care_handoff(handoff, *, project_name: str) -> OutboxMessage | None:
    """Hand the account to its client-care owner with its health page as it stood."""
    owner = handoff.care_owner
    if not wants_email(owner) or not owner.is_staff:
        return None
    health = handoff.health
    message = queue_message(
        owner, MessageKind.CARE_HANDOFF, dedupe_key=f"care-handoff:{handoff.id}:{owner.id}",
        subject=f"Hand-off to client care: {health['organization_name']} ({project_name})",
        project_name=project_name, health=health,
        health_url=absolute_url("health.show", organization_id=handoff.organization_id),
        pulse_day=day_for(handoff.care_pulse_due_at, owner),
    )
    db.session.flush()
    return message
