"""Send due webhook deliveries: claim one, sign it, POST it, record the answer, then the next.

This is the workers' loop, so unlike the services it commits: the claim, then the outcome,
each saved before the next delivery, and no transaction is held while a receiver answers.
A 2xx ends a delivery; anything else is retried with jittered exponential backoff for about a
day (WEBHOOK_RETRY_HOURS). An endpoint that has failed every attempt for WEBHOOK_DISABLE_HOURS
is disabled and the admin who registered it is emailed.
"""

import http.client
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from portal import leases
from portal.db import utcnow
from portal.extensions import db
from portal.webhooks import services
from portal.webhooks.addresses import RefusedAddress, resolve
from portal.webhooks.chat import chat_text
from portal.webhooks.models import (
    DeliveryStatus,
    EndpointKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.webhooks.sending import Answer, post
from portal.webhooks.signing import signature_header

log = logging.getLogger(__name__)
_jitter = secrets.SystemRandom()


@dataclass
class DeliveryReport:
    """What one deliver_due call did, by delivery id."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """A claimed delivery as it will be sent, kept after the session lets go of the rows."""

    delivery_id: int
    endpoint_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def retry_delay(attempts: int) -> timedelta:
    """Exponential from WEBHOOK_FIRST_RETRY_SECONDS, capped, with ±50% jitter so that
    deliveries failing together do not all come back together."""
    config = current_app.config
    base = min(float(config["WEBHOOK_FIRST_RETRY_SECONDS"]) * 2 ** max(attempts - 1, 0),
               float(config["WEBHOOK_MAX_RETRY_SECONDS"]))
    return timedelta(seconds=base * _jitter.uniform(0.5, 1.5))


def claim_next(now: datetime) -> int | None:
    """Atomically take one due delivery (see portal.leases)."""
    return leases.claim_next(
        WebhookDelivery, now=now,
        lease_seconds=int(current_app.config["WEBHOOK_LEASE_SECONDS"]))


def body_for(endpoint: WebhookEndpoint, payload: dict) -> bytes:
    """The JSON payload, or for a chat endpoint the readable message."""
    document = {"text": chat_text(payload)} if endpoint.kind == EndpointKind.CHAT else payload
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def build_request(delivery: WebhookDelivery, now: datetime) -> Request:
    """The body and Standard Webhooks headers of one attempt, signed with every secret live
    at `now`; the timestamp is the moment of sending, which receivers check against theirs."""
    endpoint = delivery.endpoint
    body = body_for(endpoint, delivery.event.payload)
    stamp = int(utcnow().timestamp())
    message_id = delivery.event.message_id
    return Request(delivery.id, endpoint.id, endpoint.url, body, {
        "webhook-id": message_id, "webhook-timestamp": str(stamp),
        "webhook-signature": signature_header(services.signing_secrets(endpoint, now),
                                              message_id, stamp, body),
    })


def _finish(delivery_id: int, claimed_at: datetime, **values) -> bool:
    """Record an outcome if the claim is still ours (a lease taken over is left alone)."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.SENDING,
               WebhookDelivery.claimed_at == claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def attempt(request: Request) -> tuple[Answer | None, str | None]:
    """POST once, checking the address first: the answer, or why there was none."""
    try:
        target = resolve(request.url)
        return post(target, request.body, request.headers,
                    timeout=float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])), None
    except RefusedAddress as error:
        return None, str(error)
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"


def record_outcome(request: Request, claimed_at: datetime, answer: Answer | None,
                   error: str | None, report: DeliveryReport) -> None:
    """Delivered on a 2xx; otherwise retried later, or failed once the retry window is over
    (counted from the attempt's time, `claimed_at`)."""
    now = claimed_at
    delivery = db.session.get(WebhookDelivery, request.delivery_id, populate_existing=True)
    values = {"last_attempt_at": now, "response_code": answer.status if answer else None,
              "response_body": answer.body if answer else None,
              "last_error": (error or (None if answer and 200 <= answer.status < 300 else
                                       f"HTTP {answer.status if answer else '?'}"))}
    if answer is not None and 200 <= answer.status < 300:
        if _finish(request.delivery_id, claimed_at, status=DeliveryStatus.DELIVERED,
                   delivered_at=now, **values):
            services.record_success(request.endpoint_id)
            report.delivered.append(request.delivery_id)
        return
    window = timedelta(hours=float(current_app.config["WEBHOOK_RETRY_HOURS"]))
    final = now - delivery.created_at >= window
    status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    if _finish(request.delivery_id, claimed_at, status=status,
               next_attempt_at=now + retry_delay(delivery.attempts), **values):
        (report.failed if final else report.retrying).append(request.delivery_id)
        services.record_failure(request.endpoint_id, now=now)
        db.session.commit()
        log.warning("webhook delivery %s not delivered (%s): %s", request.delivery_id,
                    status.value, values["last_error"])


def deliver_due(limit: int = 50, *, now: datetime | None = None) -> DeliveryReport:
    """Send up to `limit` due deliveries, one at a time; each endpoint's failures are its own."""
    report = DeliveryReport()
    for _ in range(limit):
        when = now or utcnow()
        claimed = claim_next(when)
        if claimed is None:
            break
        delivery = db.session.get(WebhookDelivery, claimed, populate_existing=True)
        if not delivery.endpoint.active:
            _finish(claimed, when, status=DeliveryStatus.FAILED,
                    last_error="The endpoint is disabled.")
            report.failed.append(claimed)
            continue
        request = build_request(delivery, when)
        db.session.commit()  # hold no transaction (or SQLite lock) while the receiver answers
        answer, error = attempt(request)
        record_outcome(request, when, answer, error, report)
    return report
