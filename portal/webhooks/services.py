"""Webhook endpoints: register, edit, rotate secrets, re-enable, remove, send again, the
bookkeeping of failures that disables an endpoint, and pruning old history. Functions flush;
the caller commits."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message
from portal.webhooks.addresses import RefusedAddress, check_url, resolve
from portal.webhooks.models import (
    DeliveryStatus,
    EndpointKind,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from portal.webhooks.signing import new_secret

RECENT_DELIVERIES = 50


class WebhookError(ValueError):
    """A change to a webhook endpoint was refused; `field` names the form field it is about."""

    field = "url"


def check_destination(url: str) -> None:
    """Refuse a URL the workers would refuse: wrong scheme, or a host that resolves to a
    non-public address now. A name that does not resolve yet is accepted (and retried)."""
    check_url(url)
    try:
        resolve(url)
    except RefusedAddress as error:
        if "could not be resolved" not in str(error):
            raise


def _checked(url: str, events: list[str]) -> tuple[str, list[str]]:
    """The URL, checked as the workers will check it, and the chosen events in their order."""
    url = url.strip()
    try:
        check_destination(url)
    except RefusedAddress as error:
        raise WebhookError(str(error)) from None
    chosen = [e.value for e in EventType if e.value in events]
    if not chosen:
        error = WebhookError("Choose at least one event.")
        error.field = "events"
        raise error
    return url, chosen


def register_endpoint(*, url: str, events: list[str], kind: EndpointKind, description: str,
                      by: User) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret, receiving the chosen events."""
    url, chosen = _checked(url, events)
    endpoint = WebhookEndpoint(url=url, events=chosen, kind=kind,
                               description=description.strip(), secret=new_secret(),
                               created_by=by)
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.registered", actor=by, target=endpoint, summary=url[:200])
    return endpoint


def _shown(value: object) -> str:
    """A field's value as the audit log reads it: events as a list, a format by its name."""
    return ", ".join(value) if isinstance(value, list) else str(value)


def endpoint_version(endpoint: WebhookEndpoint) -> str:
    """The version of what the endpoint's edit form shows."""
    return edit_version(endpoint.url, endpoint.description, endpoint.kind.value, endpoint.events)


def edit_endpoint(endpoint: WebhookEndpoint, *, url: str, events: list[str],
                  kind: EndpointKind, description: str, by: User,
                  seen: str | None = None) -> dict[str, tuple[object, object]]:
    """Change where, what and in which form an endpoint receives (its secret stays): the
    changes, by field (old, new). Refused if the form was opened on another state. A new URL
    is checked as at registration, clears the failures counted against the old one and turns
    a disabled endpoint back on; deliveries still waiting go to the endpoint as it now is."""
    lock(endpoint)
    check_version(seen, endpoint_version(endpoint))
    url, chosen = _checked(url, events)
    wanted = {"url": url, "description": description.strip(), "events": chosen,
              "kind": kind}
    changes = {field: (getattr(endpoint, field), value) for field, value in wanted.items()
               if getattr(endpoint, field) != value}
    if "url" in changes:
        endpoint.failing_since = None
        if not endpoint.active:
            endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
    for field, (_, value) in changes.items():
        setattr(endpoint, field, value)
    db.session.flush()
    if changes:
        audit.record("webhook.edited", actor=by, target=endpoint, summary="; ".join(
            f"{field}: {_shown(old)!r} -> {_shown(new)!r}"
            for field, (old, new) in changes.items()))
    return changes


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while its overlap lasts."""
    live = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until > now:
        live.append(endpoint.previous_secret)
    return live


def rotate_secret(endpoint: WebhookEndpoint, *, by: User) -> str:
    """A new signing secret; the old one keeps signing beside it for the overlap period."""
    now = utcnow()
    hours = float(current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"])
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + timedelta(hours=hours)
    endpoint.secret = new_secret()
    db.session.flush()
    audit.record("webhook.secret_rotated", actor=by, target=endpoint, summary=endpoint.url[:200])
    return endpoint.secret


def enable_endpoint(endpoint: WebhookEndpoint, *, by: User) -> None:
    """Turn a disabled endpoint back on; deliveries from now on go to it again."""
    endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
    endpoint.failing_since = None
    db.session.flush()
    audit.record("webhook.enabled", actor=by, target=endpoint, summary=endpoint.url[:200])


def remove_endpoint(endpoint: WebhookEndpoint, *, by: User) -> None:
    """Delete the endpoint and its delivery history."""
    audit.record("webhook.removed", actor=by, target=endpoint, summary=endpoint.url[:200])
    db.session.delete(endpoint)
    db.session.flush()


def send_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same event (same `webhook-id`) to the same endpoint once more, now."""
    if not delivery.endpoint.active:
        raise WebhookError("The endpoint is disabled: enable it first.")
    again = WebhookDelivery(event=delivery.event, endpoint=delivery.endpoint)
    db.session.add(again)
    db.session.flush()
    return again


def recent_deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first, with their events."""
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(RECENT_DELIVERIES)))


def all_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def record_success(endpoint_id: int) -> None:
    """A 2xx: the endpoint is no longer failing."""
    db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                       .values(failing_since=None).execution_options(synchronize_session=False))
    db.session.commit()


def record_failure(endpoint_id: int, *, now: datetime) -> None:
    """A failed attempt: note since when the endpoint fails; after WEBHOOK_DISABLE_HOURS of
    nothing but failures, disable it."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    if endpoint is None or not endpoint.active:
        return
    endpoint.failing_since = endpoint.failing_since or now
    hours = float(current_app.config["WEBHOOK_DISABLE_HOURS"])
    if now - endpoint.failing_since >= timedelta(hours=hours):
        disable_endpoint(endpoint, now=now,
                         reason=f"Every delivery failed for {hours:g} hours.")
    db.session.flush()


def disable_endpoint(endpoint: WebhookEndpoint, *, now: datetime, reason: str) -> None:
    """Stop sending to the endpoint, give up its waiting deliveries, and email its owner."""
    endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id,
               WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, last_error="The endpoint was disabled.")
        .execution_options(synchronize_session=False))
    audit.record("webhook.disabled", actor=None, target=endpoint, summary=reason)
    owner = endpoint.created_by
    if owner is not None and owner.active:
        queue_message(
            owner, MessageKind.WEBHOOK_DISABLED,
            dedupe_key=f"webhook-disabled:{endpoint.id}:{now:%Y%m%d%H%M%S}",
            subject="A webhook endpoint was disabled", endpoint_url=endpoint.url,
            reason=reason, page_url=absolute_url("webhooks.show", endpoint_id=endpoint.id))


FINISHED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)


def prune_history(now: datetime) -> tuple[int, int]:
    """Delete finished deliveries whose last activity is older than WEBHOOK_RETENTION_DAYS,
    then old events no delivery refers to any more: (deliveries, events) deleted. A delivery
    still pending or being sent, and so its event, is never deleted."""
    cutoff = now - timedelta(days=float(current_app.config["WEBHOOK_RETENTION_DAYS"]))
    last_activity = func.coalesce(WebhookDelivery.delivered_at, WebhookDelivery.last_attempt_at,
                                  WebhookDelivery.created_at)
    deliveries = db.session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.status.in_(FINISHED), last_activity < cutoff)
        .execution_options(synchronize_session=False)).rowcount
    referred = select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id)
    events = db.session.execute(
        delete(WebhookEvent)
        .where(WebhookEvent.created_at < cutoff, ~referred.exists())
        .execution_options(synchronize_session=False)).rowcount
    return deliveries, events
