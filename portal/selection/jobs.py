"""The selection's background job: candidates of long-closed projects erased.

It lives with the selection, not in portal/tasks.py, so that tasks imports no feature that
imports it back; a worker knows it from the app it builds on start-up (portal.tasks.load_jobs).
"""

from huey import crontab

from portal.db import utcnow
from portal.extensions import db
from portal.selection import erasure
from portal.tasks import huey, worker_app


def erase_expired_candidates() -> int:
    """Erase the candidates of projects closed longer ago than the retention days."""
    with worker_app().app_context():
        erased = erasure.erase_closed_projects_candidates(utcnow().date())
        db.session.commit()
        return erased


@huey.periodic_task(crontab(hour="3", minute="30"))
def erase_expired_candidates_task() -> int:
    """Nightly at 03:30 UTC: the retention rule for candidates' personal data."""
    return erase_expired_candidates()
