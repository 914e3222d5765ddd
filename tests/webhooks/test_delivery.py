"""A firm's program receives signed events: delivered by the workers after the commit,
verified by the `standardwebhooks` package, retried with backoff, never on the user's request;
replayed and tampered deliveries are refused by the receiver's library; a rotated secret keeps
signing beside the new one for a day; an endpoint failing for a day is disabled and its owner
emailed."""

import json
import threading
import time
from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.webhooks import services, signing
from portal.webhooks.delivery import retry_delay
from portal.webhooks.models import DeliveryStatus, EndpointKind, WebhookEndpoint
from portal.webhooks.payloads import webhook_schemas
from tests.support.mail import run_jobs
from tests.webhooks.support import ADMIN, deliveries, endpoint_now, register


@pytest.fixture
def acme(make):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp", name="Website relaunch")
    return staff, project


def test_a_published_update_reaches_the_receiver_signed_after_the_commit(
        app, make, receiver, acme):
    staff, project = acme
    endpoint = register(app, make, receiver.url(), events=["update.published"])
    receiver.secret = endpoint.secret
    make.update(project, author=staff, body="Design signed off.")
    assert receiver.received == []  # nothing was sent on the request itself
    assert run_jobs(app) >= 1  # the job queued by the commit
    [got] = receiver.received
    assert got.verified, "standardwebhooks could not verify the signature"
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["webhook-signature"].startswith("v1,")
    payload = got.payload
    assert payload["type"] == "update.published" and payload["version"] == 1
    assert payload["data"]["body"] == "Design signed off."
    assert payload["data"]["project"]["name"] == "Website relaunch"
    jsonschema.validate(payload, webhook_schemas()["update.published"])
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_code == 200
    assert delivery.response_body == "ok"


def test_an_endpoint_gets_only_the_events_it_chose(app, make, receiver, acme, deliver):
    staff, project = acme
    register(app, make, receiver.url(), events=["question.asked"])
    make.update(project, author=staff)
    client = make.user("jordan@acme.example", organization="Acme Corp")
    make.question(project, author=client, body="Can we see the staging site?")
    deliver()
    assert [r.payload["type"] for r in receiver.received] == ["question.asked"]


def test_a_receiver_failing_first_gets_the_event_again_later_and_it_ends_on_a_2xx(
        app, make, receiver, acme, deliver):
    staff, project = acme
    endpoint = register(app, make, receiver.url())
    receiver.secret, receiver.answers = endpoint.secret, [500, 503]
    make.update(project, author=staff)
    first = deliver()
    assert first.retrying and not first.delivered
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code == 500
    assert len(delivery.response_body) == 1024  # the first 1 KB of what it answered
    assert delivery.next_attempt_at > utcnow()  # backoff: not again at once
    assert deliver().retrying == []  # not due yet
    deliver(now=utcnow() + timedelta(minutes=2))
    deliver(now=utcnow() + timedelta(minutes=10))
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert len(receiver.received) == 3 and all(r.verified for r in receiver.received)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same message
    assert endpoint_now(app, endpoint.id).failing_since is None
    assert deliver(now=utcnow() + timedelta(hours=1)).delivered == []  # a 2xx ended it


def test_the_backoff_grows_with_jitter_and_stops_after_about_a_day(app):
    with app.app_context():
        delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
        assert 15 <= delays[0] <= 45
        assert delays[5] > delays[1] * 4
        assert max(delays) <= 6 * 3600 * 1.5
        assert len({retry_delay(3) for _ in range(20)}) > 1  # jittered
        assert app.config["WEBHOOK_RETRY_HOURS"] == 24
        assert app.config["WEBHOOK_TIMEOUT_SECONDS"] == 10


def test_a_delivery_still_failing_after_a_day_is_given_up(app, make, receiver, acme, deliver):
    staff, project = acme
    register(app, make, receiver.url())
    receiver.answers = [500] * 5
    make.update(project, author=staff)
    deliver()
    deliver(now=utcnow() + timedelta(hours=25))
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_emailed(
        app, make, receiver, acme, deliver):
    staff, project = acme
    endpoint = register(app, make, receiver.url())
    receiver.answers = [500] * 10
    make.update(project, author=staff)
    deliver()
    make.update(project, author=staff, body="A second update.")
    later = utcnow() + timedelta(hours=24, minutes=1)
    deliver(now=later)
    disabled = endpoint_now(app, endpoint.id)
    assert not disabled.active and "24 hours" in disabled.disabled_reason
    with app.app_context():
        [email] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.WEBHOOK_DISABLED)).all()
        assert email.to_address == ADMIN and receiver.url() in email.text_body
    assert {d.status for d in deliveries(app)} == {DeliveryStatus.FAILED}
    make.update(project, author=staff, body="Nobody hears this one.")
    assert len(deliveries(app)) == 2  # a disabled endpoint gets no new deliveries


def test_the_receiver_library_refuses_a_replayed_or_tampered_delivery(
        app, make, receiver, acme, deliver):
    staff, project = acme
    endpoint = register(app, make, receiver.url())
    receiver.secret = endpoint.secret
    make.update(project, author=staff)
    deliver()
    [got] = receiver.received
    hook = Webhook(endpoint.secret)
    hook.verify(got.body, got.headers)  # as received: fine
    # A delivery captured an hour ago, genuinely signed then, sent again now: a replay.
    hour_ago = int(time.time()) - 3600
    captured = {**got.headers, "webhook-timestamp": str(hour_ago),
                "webhook-signature": signing.signature_header(
                    [endpoint.secret], got.headers["webhook-id"], hour_ago, got.body)}
    with pytest.raises(WebhookVerificationError, match="too old"):
        hook.verify(got.body, captured)
    moved = {**got.headers, "webhook-timestamp": str(int(time.time()) + 5)}
    with pytest.raises(WebhookVerificationError):
        hook.verify(got.body, moved)  # a timestamp changed to look fresh: the signature fails
    tampered = got.body.replace(b"Progress as planned.", b"Progress is excellent")
    with pytest.raises(WebhookVerificationError):
        hook.verify(tampered, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(got.body, got.headers)  # another secret


def test_a_rotated_secret_keeps_signing_beside_the_new_one_for_a_day(
        app, make, receiver, acme, deliver):
    staff, project = acme
    endpoint = register(app, make, receiver.url())
    old = endpoint.secret
    with app.app_context():
        new = services.rotate_secret(db.session.get(WebhookEndpoint, endpoint.id),
                                     by=db.session.scalar(select(User).where(User.email == ADMIN)))
        db.session.commit()
    assert new != old and new.startswith("whsec_")
    make.update(project, author=staff)
    deliver()
    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)  # a receiver not yet updated
    Webhook(new).verify(got.body, got.headers)  # and one already on the new secret
    receiver.received.clear()
    make.update(project, author=staff, body="A day later.")
    deliver(now=utcnow() + timedelta(hours=25))
    [later] = receiver.received
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)


def test_a_chat_endpoint_gets_a_readable_message(app, make, receiver, acme, deliver):
    staff, project = acme
    register(app, make, receiver.url(), kind=EndpointKind.CHAT)
    make.update(project, author=staff, body="Launch moved: the payment provider is late.",
                eta=None)
    deliver()
    [got] = receiver.received
    message = json.loads(got.body)
    assert list(message) == ["text"]
    assert "Website relaunch" in message["text"] and "payment provider" in message["text"]


def test_a_slow_receiver_times_out_and_is_retried(app, make, receiver, acme, deliver):
    staff, project = acme
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5
    register(app, make, receiver.url())
    receiver.delay = 1.5
    make.update(project, author=staff)
    started = time.monotonic()
    report = deliver()
    assert time.monotonic() - started < 1.4
    assert report.retrying
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and "timed out" in delivery.last_error


def test_a_redirect_is_not_followed(app, make, receiver, acme, deliver):
    staff, project = acme
    register(app, make, receiver.url())
    receiver.answers = [302]
    make.update(project, author=staff)
    deliver()
    assert [r.path for r in receiver.received] == ["/hooks"]  # never /elsewhere
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code == 302


def test_a_receiver_down_loses_nothing(app, make, acme, deliver):
    staff, project = acme
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_TEST_ALLOW_LOOPBACK=True)
    register(app, make, "http://127.0.0.1:9/hooks")  # nothing listens on the discard port
    make.update(project, author=staff)
    deliver()
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and "refused" in delivery.last_error.lower()


def test_nothing_is_recorded_when_the_change_is_rolled_back(app, make, receiver, acme):
    staff, project = acme
    register(app, make, receiver.url())
    from portal.projects import services as projects
    from portal.projects.models import Project, ProjectStatus

    with app.app_context():
        projects.publish_update(db.session.get(Project, project.id),
                                author=db.session.get(User, staff.id), body="Draft",
                                status=ProjectStatus.ON_TRACK)
        db.session.rollback()
    assert deliveries(app) == []


def test_two_workers_at_once_send_each_delivery_once(app, make, receiver, acme, deliver):
    staff, project = acme
    register(app, make, receiver.url())
    receiver.delay = 0.05  # slow enough for the two workers to interleave
    for n in range(6):
        make.update(project, author=staff, body=f"Update {n}.")
    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {d.status for d in deliveries(app)} == {DeliveryStatus.DELIVERED}
