"""The check-ins' background job: ask the placements' check-ins that are due.

It lives with the selection, not in portal/tasks.py, so that tasks imports no feature that
imports it back (see portal.selection.jobs); the placement views import it.
"""

from huey import crontab

from portal.db import utcnow
from portal.extensions import db
from portal.selection import placements
from portal.tasks import deliver_all, huey, worker_app


def ask_due_check_ins() -> int:
    """Ask every due check-in (a pulse each, within the pulses' limit), then send the emails."""
    with worker_app().app_context():
        asked = placements.ask_due(utcnow())
        db.session.commit()
    deliver_all()
    return len(asked)


@huey.periodic_task(crontab(minute="20", hour="*/6"))
def ask_due_check_ins_task() -> int:
    """Four times a day, just after the pulse schedule has released held pulses."""
    return ask_due_check_ins()
