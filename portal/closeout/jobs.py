"""The closeout's background jobs: its PDF rendered ahead of the first download, and the
90-day care pulses of the hand-offs to client care, on the pulse schedule's times.

It lives with the closeout, not in portal/tasks.py, so that tasks imports no feature that
imports it back: the edit page queues it after its commit, and a worker knows it from the app
it builds on start-up (portal.tasks.load_jobs).
"""

import logging

from huey import crontab

from portal.closeout import services
from portal.closeout.handoff import send_care_pulses
from portal.closeout.models import Closeout
from portal.db import utcnow
from portal.extensions import db
from portal.tasks import deliver_all, huey, worker_app

log = logging.getLogger(__name__)


def render_closeout_pdf(closeout_id: int) -> bool:
    """Render and keep a closeout's PDF ahead of the first download; False if already current."""
    with worker_app().app_context():
        closeout = db.session.get(Closeout, closeout_id)
        if closeout is None:
            return False
        rendered = services.ensure_pdf(closeout)
        db.session.commit()
        return rendered


@huey.task(retries=2, retry_delay=30)
def render_closeout_pdf_task(closeout_id: int) -> bool:
    """The background render of a closeout PDF, queued when a closeout is published or edited."""
    return render_closeout_pdf(closeout_id)


def render_pdf_soon(closeout_id: int) -> bool:
    """Queue the PDF render after the commit; never raises (a download renders it anyway)."""
    try:
        render_closeout_pdf_task(closeout_id)
    except Exception:  # the queue being down must not fail the closeout just saved
        log.warning("could not queue the closeout PDF; it renders on first download",
                    exc_info=True)
        return False
    return True


def run_care_pulses() -> int:
    """Send the care pulses that are due (each hand-off's once), through the normal pulse path."""
    with worker_app().app_context():
        sent = send_care_pulses(utcnow())
        db.session.commit()
    deliver_all()
    return len(sent)


@huey.periodic_task(crontab(minute="15", hour="*/6"))
def send_due_care_pulses() -> int:
    """Four times a day, with the other pulses: the 90-day care pulses that are due."""
    return run_care_pulses()
