"""The background half of asking for a password-reset or sign-in link.

It lives with auth, not in portal/tasks.py, so that tasks imports no feature that imports it
back: ask_for_link queues it, and a worker knows it from the app it builds on start-up
(portal.tasks.load_jobs).
"""

import logging

from portal.auth import email_sign_in
from portal.auth.models import TokenPurpose
from portal.extensions import db
from portal.tasks import huey, worker_app

log = logging.getLogger(__name__)


def send_email_link(purpose: str, email: str, address: str | None) -> bool:
    """Look the address up and, if it is someone's who may have one, make the link and queue
    its email."""
    with worker_app().app_context():
        message = email_sign_in.send_link(TokenPurpose(purpose), email, address=address)
        db.session.commit()  # hands the email to a worker (portal.tasks._deliver_after_commit)
    return message is not None


@huey.task(retries=2, retry_delay=10)
def send_email_link_task(purpose: str, email: str, address: str | None) -> bool:
    """Queued by /login/forgot and /login/email-link (portal/auth/email_sign_in.py)."""
    return send_email_link(purpose, email, address)


def email_link_soon(purpose: str, email: str, address: str | None) -> bool:
    """Queue a link request (`address`: who asked); False, never an exception, when the queue
    is down."""
    try:
        send_email_link_task(purpose, email, address)
    except Exception:  # the caller serves the request itself rather than lose it
        log.warning("could not queue a link request; serving it in the request instead",
                    exc_info=True)
        return False
    return True


def ask_for_link(purpose: TokenPurpose, email: str, *, address: str | None) -> None:
    """Queue a request for a reset or sign-in link (the lookup happens in the job). With the
    queue down it is served here and now: the answer then takes longer for a known address,
    but the request is not lost. `address` is who asked, for the audit log."""
    if not email_link_soon(purpose.value, email, address):
        email_sign_in.send_link(purpose, email, address=address)
