"""Background jobs with Huey: email delivery every minute, the weekly digest, health snapshots,
pulses; a feature's own jobs (a closeout's PDF, an emailed link) are in its jobs.py, on this queue.

Start a consumer with `.venv/bin/huey_consumer portal.tasks.huey` (`make run` starts one beside
the web server). The queue lives in instance/huey.db (SQLite) by default, in Redis when
PORTAL_REDIS_URL is set: that one variable is read at import because the consumer needs the
queue before any app exists. Everything else comes from create_app() when a task runs.

The outbox rows are the truth, not the queue: a lost or failed task loses no email, because the
every-minute task delivers whatever is due. deliver_soon() only shortens the wait: it runs after
every commit that added outbox rows (a session hook below, in the web app and in the workers
alike), so a sign-in link or a reset reaches a worker at once rather than within the minute.
"""

import functools
import logging
import os
import threading
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

QUEUE_NAME = "portal"


def build_huey(redis_url: str | None, instance_path: str) -> Huey:
    """Redis when a URL is given, else a SQLite file in the instance folder."""
    if redis_url:
        pool = ConnectionPool.from_url(redis_url, socket_connect_timeout=2, socket_timeout=10)
        return RedisHuey(QUEUE_NAME, connection_pool=pool)
    os.makedirs(instance_path, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(Path(instance_path) / "huey.db"))


def default_instance_path() -> str:
    """The instance folder create_app() uses when none is given."""
    return Flask("portal").instance_path


huey = build_huey(os.environ.get("PORTAL_REDIS_URL"), default_instance_path())


_building = threading.Lock()


def worker_app() -> Flask:
    """The app a job runs in: the one already active (a command or a test running jobs
    itself), else one per worker process, built from the settings as the worker starts."""
    if has_app_context():
        return current_app._get_current_object()
    with _building:  # a worker's threads start together: one app, built once
        return _consumer_app()


@functools.cache
def _consumer_app() -> Flask:
    from portal import create_app

    return create_app()


@huey.on_startup()
def load_jobs() -> None:
    """Build the app as a worker starts: importing its views imports the jobs that features
    define themselves (portal/auth/jobs.py, portal/closeout/jobs.py), so this worker knows
    every job the portal queues, though this module imports no feature that imports it."""
    worker_app()


def deliver_all() -> int:
    """Send due outbox messages in batches until none is due or a batch stops short."""
    from portal.notifications.delivery import deliver_due

    app = worker_app()
    sent = 0
    with app.app_context():
        limit = int(app.config["OUTBOX_BATCH_SIZE"])
        while True:
            report = deliver_due(limit)
            sent += len(report.sent)
            if len(report.sent) + len(report.failed) < limit or report.retrying:
                return sent


@huey.task()
def deliver_outbox() -> int:
    """Deliver due emails now (queued after a commit that added some)."""
    return deliver_all()


@huey.periodic_task(crontab(minute="*"))
def deliver_outbox_every_minute() -> int:
    """Catch up on whatever is due: retries, and messages whose quick task never ran."""
    return deliver_all()


@huey.periodic_task(crontab(minute="7"))
def queue_weekly_digests() -> int:
    """Hourly: queue the digests of each organisation whose Monday has begun where it is (the
    same week's digest is queued once), then deliver them."""
    from portal.notifications.services import queue_weekly_digests as queue_digests
    from portal.projects.summary import standing_after

    with worker_app().app_context():
        messages = queue_digests(utcnow(), standing_after)
        db.session.commit()
    deliver_all()
    return len(messages)


@huey.periodic_task(crontab(day_of_week="1", hour="6", minute="0"))
def snapshot_account_health() -> int:
    """Mondays 06:00 UTC: this week's health snapshot of every account (computed as of Monday
    00:00 UTC, so running it again changes nothing), alerts, and their emails to the owners."""
    from portal.health.snapshots import snapshot_week

    with worker_app().app_context():
        snapshots = snapshot_week(utcnow().date())
        db.session.commit()
    deliver_all()
    return len(snapshots)


def deliver_soon() -> bool:
    """Ask a worker to deliver now; call after the commit. Never raises: when the queue is
    down the outbox rows wait for the every-minute task, so nothing is lost or blocked."""
    try:
        deliver_outbox()
    except Exception:  # the queue being down must not fail what the user just saved
        log.warning("could not queue email delivery; the periodic task will send it",
                    exc_info=True)
        return False
    return True


EMAILS_QUEUED = "portal.emails_queued"  # in session.info: this transaction wrote outbox rows


@event.listens_for(db.session, "after_flush")
def _note_queued_emails(session: Session, flush_context) -> None:
    """Remember that the transaction wrote outbox rows, to hand them over once committed."""
    if any(isinstance(row, OutboxMessage) for row in session.new):
        session.info[EMAILS_QUEUED] = True


@event.listens_for(db.session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    """Once the rows are committed (a worker can see them), ask for one delivery run, however
    many messages the transaction queued."""
    if session.info.pop(EMAILS_QUEUED, False):
        deliver_soon()


@event.listens_for(db.session, "after_rollback")
def _forget_rolled_back_emails(session: Session) -> None:
    """Rows rolled back are not there to deliver."""
    session.info.pop(EMAILS_QUEUED, None)


def run_pulse_schedule() -> tuple[int, int, int, int]:
    """Send each person's next waiting ask their budget allows (those waited longest), release
    pulses the fatigue rule held, send the periodic pulses and the reminders that are due (the
    90-day care pulses and the placements' check-ins have their own jobs, in
    portal/closeout/jobs.py and portal/selection/check_in_jobs.py). Every step is idempotent:
    running it twice (or two workers at once) sends nothing twice."""
    from portal.notifications import asks
    from portal.pulses import reminders
    from portal.pulses import services as pulses

    with worker_app().app_context():
        now = utcnow()
        waited = asks.release_waiting(now)
        released = pulses.release_held(now)
        periodic = pulses.periodic_pulses(now)
        reminded = reminders.send_due_reminders(now)
        db.session.commit()
    deliver_all()
    return len(released), len(periodic), len(reminded), len(waited)


@huey.periodic_task(crontab(minute="15"))
def send_due_pulses() -> tuple[int, int, int, int]:
    """Hourly: held pulses whose wait is over, periodic pulses, reminders, and asks that waited
    for their person's 24 hours (so one waits at most an hour past its time)."""
    return run_pulse_schedule()


def run_follow_up_escalation() -> int:
    """Flag each follow-up past its 2 working days to its owner's manager, once a round."""
    from portal.pulses.loop import flag_overdue

    with worker_app().app_context():
        flagged = flag_overdue(utcnow())
        db.session.commit()
    deliver_all()
    return len(flagged)


@huey.periodic_task(crontab(minute="40"))
def escalate_overdue_follow_ups() -> int:
    """Hourly: overdue follow-ups flagged to the owner's manager (once each; safe to rerun)."""
    return run_follow_up_escalation()
