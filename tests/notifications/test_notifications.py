"""Email through the outbox, as user stories, against a real SMTP server on 127.0.0.1 (aiosmtpd).

The outbox row is written in the transaction of what caused it; deliver_due claims and sends.
"""

import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email.message import EmailMessage

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, UpdateEmails, User
from portal.content.services import update_settings
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import delivery
from portal.notifications.delivery import build_email, deliver_due
from portal.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from portal.notifications.services import (
    digest_week,
    queue_question_answered,
    queue_question_asked,
    queue_update_published,
    queue_weekly_digests,
)
from portal.projects import questions
from portal.projects import services as project_services
from portal.projects.models import Project, ProjectStatus, Question, StatusUpdate
from tests.conftest import csrf_token
from tests.support.mail import BASE_URL, deliver, free_port, outbox
from tests.support.servers import huey_consumer, wait_for_mail, worker_env

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def acme(make):
    """Acme with a project, a staff author and a client who wants every update by email."""
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Lee")
    project = make.project("Acme Corp", name="Customer portal rebuild")
    return {"staff": staff, "client": client, "project": project}


def set_emails(app, user: User, choice: UpdateEmails) -> None:
    with app.app_context():
        db.session.get(User, user.id).update_emails = choice
        db.session.commit()


def publish_and_queue(app, project, staff, body="Design **approved** by your team.") -> int:
    """Publish an update and queue its emails in one transaction, as the publish view will."""
    with app.app_context():
        update = project_services.publish_update(
            db.session.get(Project, project.id), author=db.session.get(User, staff.id),
            body=body, status=ProjectStatus.AT_RISK,
        )
        queue_update_published(update)
        db.session.commit()
        return update.id


def emails_setting(app, user: User) -> UpdateEmails:
    with app.app_context():
        return db.session.get(User, user.id).update_emails


def unsubscribe_path(message: EmailMessage) -> str:
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert url.startswith(f"{BASE_URL}/unsubscribe/")
    return url.removeprefix(BASE_URL)


def test_a_client_gets_a_branded_multipart_email_and_can_unsubscribe(app, make, acme, smtp,
                                                                      client):
    with app.app_context():
        update_settings(firm_name="Harbor & Co", brand_color="#7a1f5c", by=None)
        db.session.commit()
    publish_and_queue(app, acme["project"], acme["staff"])
    report = deliver(app)

    assert len(report.sent) == 1 and smtp.recipients() == ["jordan@acme.example"]
    _, email = smtp.messages[0]
    assert "Customer portal rebuild" in email["Subject"] and "Harbor & Co" in email["Subject"]
    [sender] = email["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Harbor & Co", "portal@localhost")
    assert re.fullmatch(r"<outbox\.\d+\.\d+@localhost>", email["Message-ID"])
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Design **approved** by your team." in text and "At risk" in text
    assert "<strong>approved</strong>" in html and "#7a1f5c" in html
    assert "Harbor &amp; Co" in html and "Jordan Lee" in html
    for part in (text, html):
        assert f"{BASE_URL}/account" in part
        assert f"{BASE_URL}/projects/{acme['project'].id}" in part
        assert f"{BASE_URL}/unsubscribe/" in part
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    path = unsubscribe_path(email)
    page = client.get(path)
    assert page.status_code == 200 and "Stop emails" in page.get_data(as_text=True)
    assert emails_setting(app, acme["client"]) == UpdateEmails.IMMEDIATE  # GET changes nothing
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Emails stopped" in response.get_data(as_text=True)
    assert emails_setting(app, acme["client"]) == UpdateEmails.NONE


def test_the_confirmation_page_stops_emails_but_a_post_without_its_form_token_does_not(
    app, acme, smtp, client
):
    publish_and_queue(app, acme["project"], acme["staff"])
    deliver(app)
    path = unsubscribe_path(smtp.messages[0][1])

    forged = client.post(path, data={})
    assert forged.status_code == 400
    assert emails_setting(app, acme["client"]) == UpdateEmails.IMMEDIATE

    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert emails_setting(app, acme["client"]) == UpdateEmails.NONE
    assert "already gets no emails" in client.get(path).get_data(as_text=True)


def test_a_message_keeps_its_message_id_on_every_attempt(app, acme):
    publish_and_queue(app, acme["project"], acme["staff"])
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert build_email(message)["Message-ID"] == build_email(message)["Message-ID"]


def test_digest_and_no_email_users_get_no_immediate_email(app, make, acme, smtp):
    digest = make.user("dana@acme.example", organization="Acme Corp")
    quiet = make.user("quinn@acme.example", organization="Acme Corp")
    make.user("former@acme.example", organization="Acme Corp", active=False)
    make.user("elena@globex.example", organization="Globex")
    set_emails(app, digest, UpdateEmails.WEEKLY_DIGEST)
    set_emails(app, quiet, UpdateEmails.NONE)

    publish_and_queue(app, acme["project"], acme["staff"])
    deliver(app)

    assert [row.to_address for row in outbox(app)] == ["jordan@acme.example"]
    assert smtp.recipients() == ["jordan@acme.example"]


def test_an_update_that_is_rolled_back_leaves_no_email(app, acme):
    with app.app_context():
        update = project_services.publish_update(
            db.session.get(Project, acme["project"].id),
            author=db.session.get(User, acme["staff"].id), body="Never saved",
            status=ProjectStatus.ON_TRACK,
        )
        queue_update_published(update)
        db.session.rollback()
    assert outbox(app) == []


def test_smtp_down_keeps_the_email_until_smtp_is_back_then_sends_it_once(app, acme, smtp_down):
    update_id = publish_and_queue(app, acme["project"], acme["staff"])
    report = deliver(app)

    [row] = outbox(app)
    assert report.retrying == [row.id] and report.sent == []
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.next_attempt_at > utcnow()
    with app.app_context():
        assert db.session.get(StatusUpdate, update_id) is not None  # the update is published

    assert deliver(app).sent == []  # not due yet: backoff
    smtp_down.start()
    later = utcnow() + timedelta(minutes=5)
    assert deliver(app, now=later).sent == [row.id]
    assert deliver(app, now=later + timedelta(hours=1)).sent == []
    assert smtp_down.inbox.recipients() == ["jordan@acme.example"]
    [row] = outbox(app)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.last_error is None


def test_without_an_smtp_host_emails_wait_in_the_outbox(app, acme):
    publish_and_queue(app, acme["project"], acme["staff"])
    assert deliver(app).sent == []
    [row] = outbox(app)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0


def test_two_workers_at_once_never_send_a_message_twice(app, make, acme, smtp):
    for number in range(11):
        make.user(f"client{number}@acme.example", organization="Acme Corp")
    publish_and_queue(app, acme["project"], acme["staff"])
    start = threading.Barrier(2)
    reports, errors = [], []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                reports.append(deliver_due(limit=50))
        except Exception as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sent = [message_id for report in reports for message_id in report.sent]
    assert len(sent) == 12 and len(set(sent)) == 12
    assert len(smtp.recipients()) == 12 and len(set(smtp.recipients())) == 12
    assert len(set(smtp.message_ids())) == 12
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}


def test_a_worker_that_crashes_mid_batch_loses_nothing_and_sends_nothing_twice(
    app, make, acme, smtp, monkeypatch
):
    for number in range(4):
        make.user(f"client{number}@acme.example", organization="Acme Corp")
    publish_and_queue(app, acme["project"], acme["staff"])
    real_send = delivery.SmtpConnection.send
    calls = []

    def crash_on_third(self, email, to_address):
        calls.append(to_address)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        real_send(self, email, to_address)

    monkeypatch.setattr(delivery.SmtpConnection, "send", crash_on_third)
    now = utcnow()
    with pytest.raises(RuntimeError):
        deliver(app, now=now)
    statuses = [row.status for row in outbox(app)]
    assert statuses.count(OutboxStatus.SENT) == 2 and len(smtp.messages) == 2
    assert statuses.count(OutboxStatus.SENDING) == 1  # the one in hand when it died
    assert statuses.count(OutboxStatus.PENDING) == 2

    monkeypatch.setattr(delivery.SmtpConnection, "send", real_send)
    assert len(deliver(app, now=now + timedelta(seconds=1)).sent) == 2  # lease still held
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert len(deliver(app, now=now + lease).sent) == 1
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}
    assert sorted(smtp.recipients()) == sorted(set(smtp.recipients()))
    assert len(smtp.recipients()) == 5


def test_a_message_whose_worker_dies_on_every_attempt_is_marked_failed_not_retried_forever(
    app, acme, smtp, monkeypatch
):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    publish_and_queue(app, acme["project"], acme["staff"])

    def crash(self, email, to_address):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(delivery.SmtpConnection, "send", crash)
    now, lease = utcnow(), timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    for attempt in range(2):
        with pytest.raises(RuntimeError):
            deliver(app, now=now + attempt * lease)
    report = deliver(app, now=now + 2 * lease)
    assert report.failed_abandoned == 1 and report.sent == []
    [row] = outbox(app)
    assert row.status == OutboxStatus.FAILED and "stopped while sending" in row.last_error


def test_a_refused_recipient_is_marked_failed_and_the_batch_goes_on(app, make, acme, smtp,
                                                                    monkeypatch):
    make.user("bounce@acme.example", organization="Acme Corp")
    publish_and_queue(app, acme["project"], acme["staff"])
    real_send = delivery.SmtpConnection.send

    def refuse_bounce(self, email, to_address):
        if to_address.startswith("bounce"):
            raise delivery.smtplib.SMTPRecipientsRefused({to_address: (550, b"No such user")})
        real_send(self, email, to_address)

    monkeypatch.setattr(delivery.SmtpConnection, "send", refuse_bounce)
    report = deliver(app)
    assert len(report.sent) == 1 and len(report.failed) == 1
    failed = [row for row in outbox(app) if row.status == OutboxStatus.FAILED]
    assert failed[0].to_address == "bounce@acme.example" and "550" in failed[0].last_error


def test_the_weekly_digest_is_queued_once_per_user_and_week(app, make, acme, smtp):
    digest = make.user("dana@acme.example", organization="Acme Corp", name="Dana Digest")
    make.user("gil@globex.example", organization="Globex")  # Globex had no updates
    globex_digest = make.user("gil2@globex.example", organization="Globex")
    set_emails(app, digest, UpdateEmails.WEEKLY_DIGEST)
    set_emails(app, globex_digest, UpdateEmails.WEEKLY_DIGEST)
    now = utcnow()
    start, end = digest_week(now)
    make.update(acme["project"], author=acme["staff"], body="Last week's news",
                published_at=start + timedelta(days=1))
    make.update(acme["project"], author=acme["staff"], body="Older news",
                published_at=start - timedelta(days=2))

    for _ in range(2):
        with app.app_context():
            queue_weekly_digests(now)
            db.session.commit()
    deliver(app)

    rows = [row for row in outbox(app) if row.kind == MessageKind.WEEKLY_DIGEST]
    assert [row.to_address for row in rows] == ["dana@acme.example"]
    digests = [m for _, m in smtp.messages if m["Subject"].startswith("Your week")]
    assert [m["To"] for m in digests] == ["dana@acme.example"]
    text = digests[0].get_body(("plain",)).get_content()
    assert "Last week's news" in text and "Older news" not in text
    assert digests[0]["List-Unsubscribe"]


def test_question_emails_go_to_the_account_owner_and_back_to_the_client(app, make, acme, smtp):
    with app.app_context():
        organization = db.session.get(Project, acme["project"].id).organization
        organization.account_owner_id = acme["staff"].id
        db.session.commit()
    question = make.question(acme["project"], author=acme["client"], body="When is the demo?")
    with app.app_context():
        asked = db.session.get(Question, question.id)
        queue_question_asked(asked)
        client_reply = questions.reply_to(asked, author=asked.author, body="Any news?")
        assert queue_question_answered(client_reply) is None  # the client's own follow-up
        reply = questions.reply_to(
            asked, author=db.session.get(User, acme["staff"].id), body="Friday at 10:00."
        )
        queue_question_answered(reply)
        db.session.commit()
    deliver(app)

    assert smtp.recipients() == ["priya@firm.example", "jordan@acme.example"]
    owner_text = smtp.messages[0][1].get_body(("plain",)).get_content()
    client_text = smtp.messages[1][1].get_body(("plain",)).get_content()
    assert "When is the demo?" in owner_text and "Acme Corp" in owner_text
    assert "Friday at 10:00." in client_text and "Priya Nair" in client_text


def _expired_token(app, user_id: int, monkeypatch) -> str:
    days = app.config["UNSUBSCRIBE_MAX_AGE_DAYS"] + 1
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - days * 86400)
    with app.app_context():
        from portal.notifications.rendering import unsubscribe_token

        token = unsubscribe_token(db.session.get(User, user_id))
    monkeypatch.undo()
    return token


def test_a_bad_expired_or_tampered_unsubscribe_link_gets_a_clear_page_and_changes_nothing(
    app, acme, smtp, client, monkeypatch
):
    publish_and_queue(app, acme["project"], acme["staff"])
    deliver(app)
    good = unsubscribe_path(smtp.messages[0][1]).removeprefix("/unsubscribe/")
    other_purpose = URLSafeTimedSerializer("test-secret-key", salt="another-purpose").dumps(
        {"user": acme["client"].id}
    )
    other_key = URLSafeTimedSerializer(
        "another-key", salt="portal.notifications.unsubscribe"
    ).dumps({"user": acme["client"].id})
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    expired = _expired_token(app, acme["client"].id, monkeypatch)
    for token in ("garbage", tampered, other_purpose, other_key, expired):
        page = client.get(f"/unsubscribe/{token}")
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and "could not use this unsubscribe link" in text, token
        post = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
        assert post.status_code == 400, token
    assert "expired" in client.get(f"/unsubscribe/{expired}").get_data(as_text=True)
    assert emails_setting(app, acme["client"]) == UpdateEmails.IMMEDIATE


# The real consumer, as `make run` starts it, against Redis.


def _enqueue_delivery(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from portal import tasks; raise SystemExit(0 if tasks.deliver_soon() else 3)"
    return subprocess.run([sys.executable, "-c", code], env=env, timeout=30,  # noqa: S603
                          capture_output=True, text=True, check=False)


@pytest.fixture
def redis_db15():
    """Redis database 15, empty before and after the test."""
    import redis

    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_the_huey_consumer_delivers_a_queued_email_over_redis(
    app, database_url, acme, smtp, smtp_port, redis_db15, tmp_path
):
    publish_and_queue(app, acme["project"], acme["staff"])
    env = worker_env(database_url, smtp_port, REDIS_TEST_URL)
    with huey_consumer(env, tmp_path / "consumer.log") as consumer:
        queued = _enqueue_delivery(env)
        assert queued.returncode == 0, queued.stderr
        wait_for_mail(smtp, consumer, 20)
    output = (tmp_path / "consumer.log").read_text()
    assert smtp.recipients() == ["jordan@acme.example"], output
    assert [row.status for row in outbox(app)] == [OutboxStatus.SENT]


def test_redis_down_never_blocks_or_loses_what_was_published(app, database_url, acme, smtp_port):
    publish_and_queue(app, acme["project"], acme["staff"])
    env = worker_env(database_url, smtp_port, f"redis://127.0.0.1:{free_port()}/0")
    began = time.monotonic()
    result = _enqueue_delivery(env)
    assert result.returncode == 3, result.stderr  # deliver_soon said no, and did not raise
    assert time.monotonic() - began < 20
    assert [row.status for row in outbox(app)] == [OutboxStatus.PENDING]


def test_an_organisation_without_an_account_owner_gets_no_question_email(app, make, acme):
    question = make.question(acme["project"], author=acme["client"])
    with app.app_context():
        assert db.session.get(Organization, acme["project"].organization_id).account_owner is None
        assert queue_question_asked(db.session.get(Question, question.id)) is None
