"""The webhooks' background jobs: deliver what is due now (queued after a commit that emitted
events) and every minute (retries, and events whose quick job never ran); nightly, delete the
history older than the retention.

They live here, not in portal/tasks.py, so that tasks imports no feature that imports it back;
a worker knows them from the app it builds on start-up (portal.tasks.load_jobs).
"""

import logging

from flask import current_app
from huey import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.extensions import db
from portal.tasks import huey, worker_app
from portal.webhooks.models import WebhookDelivery

log = logging.getLogger(__name__)


def deliver_all() -> int:
    """Send due deliveries in batches until a batch finds nothing more to do."""
    from portal.webhooks.delivery import deliver_due

    app = worker_app()
    delivered = 0
    with app.app_context():
        limit = int(current_app.config["WEBHOOK_BATCH_SIZE"])
        while True:
            report = deliver_due(limit)
            delivered += len(report.delivered)
            if len(report.delivered) + len(report.failed) + len(report.retrying) < limit:
                return delivered


@huey.task()
def deliver_webhooks() -> int:
    """Deliver due webhooks now."""
    return deliver_all()


@huey.periodic_task(crontab(minute="*"))
def deliver_webhooks_every_minute() -> int:
    """Catch up on whatever is due: retries, and deliveries whose quick job never ran."""
    return deliver_all()


def prune_history() -> tuple[int, int]:
    """Delete finished deliveries and events past WEBHOOK_RETENTION_DAYS: (deliveries, events)."""
    from portal.webhooks.services import prune_history as prune

    with worker_app().app_context():
        pruned = prune(utcnow())
        db.session.commit()
    log.info("webhook history pruned: %s deliveries, %s events", *pruned)
    return pruned


@huey.periodic_task(crontab(hour="3", minute="50"))
def prune_history_nightly() -> tuple[int, int]:
    """Nightly at 03:50 UTC: the retention rule for webhook events and deliveries."""
    return prune_history()


def deliver_soon() -> bool:
    """Ask a worker to deliver now; never raises (the every-minute job sends them anyway)."""
    try:
        deliver_webhooks()
    except Exception:  # the queue being down must not fail what the user just saved
        log.warning("could not queue webhook delivery; the periodic job will send it",
                    exc_info=True)
        return False
    return True


QUEUED = "portal.webhooks_queued"  # in session.info: this transaction added deliveries


@event.listens_for(db.session, "after_flush")
def _note_queued_deliveries(session: Session, flush_context) -> None:
    """Remember that the transaction added deliveries, to hand them over once committed."""
    if any(isinstance(row, WebhookDelivery) for row in session.new):
        session.info[QUEUED] = True


@event.listens_for(db.session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    """Once committed (a worker can see them), ask for one delivery run."""
    if session.info.pop(QUEUED, False):
        deliver_soon()


@event.listens_for(db.session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    """Rows rolled back are not there to deliver."""
    session.info.pop(QUEUED, None)
