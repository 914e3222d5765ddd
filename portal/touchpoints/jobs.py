"""The daily touchpoint reminder, on the portal's queue (see portal.closeout.jobs for why a
feature's jobs live with it)."""

from huey import crontab

from portal.extensions import db
from portal.tasks import huey, worker_app
from portal.touchpoints import services


def remind_out_of_touch_owners() -> int:
    """Queue the reminders due today and commit them; how many were queued."""
    with worker_app().app_context():
        messages = services.queue_contact_reminders()
        db.session.commit()
        return len(messages)


@huey.periodic_task(crontab(hour="7", minute="20"))
def remind_out_of_touch_owners_daily() -> int:
    """Every morning: remind each account's owner who has been out of touch too long (once
    per gap; the outbox delivers within the minute)."""
    return remind_out_of_touch_owners()
