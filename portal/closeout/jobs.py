"""The closeout's background job: its PDF rendered ahead of the first download.

It lives with the closeout, not in portal/tasks.py, so that tasks imports no feature that
imports it back: the edit page queues it after its commit, and a worker knows it from the app
it builds on start-up (portal.tasks.load_jobs).
"""

import logging

from portal.closeout import services
from portal.closeout.models import Closeout
from portal.extensions import db
from portal.tasks import huey, worker_app

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
