"""Emails leave as soon as what queued them is committed, not at the next periodic run.

Real parts: the app queues its jobs in Redis (database 9), a real `huey_consumer` runs them with
its periodic tasks switched off (so the every-minute run cannot be what delivers), and a real
SMTP server on 127.0.0.1 receives the mail.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from portal import tasks
from portal.auth.models import Role
from portal.notifications.models import OutboxStatus
from tests.support.mail import Inbox, deliver, free_port, outbox
from tests.support.servers import huey_consumer, worker_env

REDIS_URL = "redis://127.0.0.1:6379/9"
HANDED_OVER_WITHIN = 5  # seconds, from the request to the SMTP server (the measure)


@pytest.fixture
def queue_in_redis(job_queue) -> Iterator[None]:
    """The app's jobs go to Redis database 9, emptied before and after, as in production."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    connection.flushdb()
    tasks.huey.storage = tasks.build_huey(REDIS_URL, "").storage
    yield
    connection.flushdb()
    connection.close()


@pytest.fixture
def worker(app, database_url, smtp_port, queue_in_redis, tmp_path) -> Iterator[Path]:
    """A huey_consumer on that queue, without periodic tasks, warmed up (its app built)."""
    log_path = tmp_path / "consumer.log"
    env = worker_env(database_url, smtp_port, REDIS_URL)
    with huey_consumer(env, log_path, periodic=False):
        assert tasks.deliver_outbox().get(blocking=True, timeout=60) == 0, log_path.read_text()
        yield log_path


def _seconds_until_delivered(smtp: Inbox, ask) -> float:
    """Ask for an email, then wait (bounded) for the SMTP server to get it."""
    already, began = len(smtp.messages), time.monotonic()
    ask()
    while len(smtp.messages) == already and time.monotonic() - began < HANDED_OVER_WITHIN:
        time.sleep(0.05)
    return time.monotonic() - began if len(smtp.messages) > already else float("inf")


def test_sign_in_links_resets_and_invitations_reach_the_mail_server_within_seconds(
    make, smtp, worker, post_form, signed_in
):
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("admin@firm.example", role=Role.ADMIN)
    acme = make.organization("Acme Corp")
    browser, admin = make.app.test_client(), signed_in("admin@firm.example")
    asks = {
        "a sign-in link": lambda: post_form(
            browser, "/login/email-link", {"email": "jordan@acme.example"}),
        "a password reset": lambda: post_form(
            browser, "/login/forgot", {"email": "jordan@acme.example"}),
        "an invitation": lambda: post_form(admin, "/admin/users/new", {
            "name": "Sam Okafor", "email": "sam@acme.example", "role": "client",
            "organization_id": str(acme.id)}),
    }
    for what, ask in asks.items():
        seconds = _seconds_until_delivered(smtp, ask)
        assert seconds < HANDED_OVER_WITHIN, (what, worker.read_text())
    assert smtp.recipients() == ["jordan@acme.example"] * 2 + ["sam@acme.example"]


def test_with_the_queue_down_what_was_asked_is_saved_and_the_periodic_run_sends_it(
    app, make, smtp, post_form, signed_in, caplog
):
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("admin@firm.example", role=Role.ADMIN)
    acme = make.organization("Acme Corp")
    admin = signed_in("admin@firm.example")
    tasks.huey.storage = tasks.build_huey(f"redis://127.0.0.1:{free_port()}/0", "").storage
    invited = post_form(admin, "/admin/users/new", {
        "name": "Sam Okafor", "email": "sam@acme.example", "role": "client",
        "organization_id": str(acme.id)})
    reset = post_form(app.test_client(), "/login/forgot", {"email": "jordan@acme.example"})
    assert invited.status_code == 302 and "Check your email" in reset.get_data(as_text=True)
    assert "could not queue email delivery" in caplog.text
    assert [row.status for row in outbox(app)] == [OutboxStatus.PENDING] * 2
    assert len(deliver(app).sent) == 2  # what the every-minute run does
    assert sorted(smtp.recipients()) == ["jordan@acme.example", "sam@acme.example"]
