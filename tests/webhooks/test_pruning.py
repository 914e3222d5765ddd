"""Old webhook history is deleted nightly: deliveries that ended (delivered, or given up) more
than WEBHOOK_RETENTION_DAYS ago, and old events no delivery refers to any more; anything still
waiting to be sent, however old, is kept with its event."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.db import utcnow
from portal.extensions import db
from portal.webhooks.jobs import prune_history, prune_history_nightly
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from tests.webhooks.support import register

DAY = timedelta(days=1)
EDGE = timedelta(minutes=1)


def test_the_retention_is_a_setting_of_30_days_run_nightly(app):
    assert app.config["WEBHOOK_RETENTION_DAYS"] == 30
    nightly = prune_history_nightly.s()  # huey checks the schedule against naive UTC
    assert nightly.validate_datetime(datetime(2026, 3, 4, 3, 50))
    assert not nightly.validate_datetime(datetime(2026, 3, 4, 12, 0))


def test_finished_history_past_the_retention_goes_and_nothing_waiting_is_touched(app, make):
    endpoint = register(app, make, "https://93.184.215.14/hooks")
    now = utcnow()
    cutoff = now - 30 * DAY
    rows = {}  # name: (event created, delivery status, created, last attempt, delivered)
    rows["delivered_past"] = (cutoff - DAY, DeliveryStatus.DELIVERED, cutoff - DAY,
                              cutoff - EDGE, cutoff - EDGE)
    rows["delivered_within"] = (cutoff - DAY, DeliveryStatus.DELIVERED, cutoff - DAY,
                                cutoff + EDGE, cutoff + EDGE)
    rows["given_up_past"] = (cutoff - 2 * DAY, DeliveryStatus.FAILED, cutoff - 2 * DAY,
                             cutoff - EDGE, None)
    rows["given_up_within"] = (cutoff - 2 * DAY, DeliveryStatus.FAILED, cutoff - 2 * DAY,
                               cutoff + EDGE, None)
    rows["pending_old"] = (cutoff - 90 * DAY, DeliveryStatus.PENDING, cutoff - 90 * DAY,
                           cutoff - 60 * DAY, None)
    rows["sending_old"] = (cutoff - 90 * DAY, DeliveryStatus.SENDING, cutoff - 90 * DAY,
                           cutoff - 60 * DAY, None)
    with app.app_context():
        ids = {}
        for name, (event_at, status, created, attempted, delivered) in rows.items():
            event = WebhookEvent(message_id=f"msg_{name}", type="update.published",
                                 payload={"type": "update.published"}, created_at=event_at)
            db.session.add(WebhookDelivery(
                event=event, endpoint_id=endpoint.id, status=status, created_at=created,
                attempts=1, last_attempt_at=attempted, delivered_at=delivered,
                claimed_at=attempted if status == DeliveryStatus.SENDING else None))
            ids[name] = event
        # An old event whose old delivery went, sent again recently: the event stays.
        resent = WebhookEvent(message_id="msg_resent", type="eta.changed", payload={},
                              created_at=cutoff - 5 * DAY)
        db.session.add_all([
            WebhookDelivery(event=resent, endpoint_id=endpoint.id, created_at=cutoff - 5 * DAY,
                            status=DeliveryStatus.DELIVERED, delivered_at=cutoff - 5 * DAY),
            WebhookDelivery(event=resent, endpoint_id=endpoint.id, created_at=now - DAY,
                            status=DeliveryStatus.DELIVERED, delivered_at=now - DAY),
            WebhookEvent(message_id="msg_lonely_past", type="eta.changed", payload={},
                         created_at=cutoff - EDGE),
            WebhookEvent(message_id="msg_lonely_within", type="eta.changed", payload={},
                         created_at=cutoff + EDGE),
        ])
        db.session.commit()

        assert prune_history() == (3, 3)

        kept = set(db.session.scalars(select(WebhookEvent.message_id)))
        assert kept == {"msg_delivered_within", "msg_given_up_within", "msg_pending_old",
                        "msg_sending_old", "msg_resent", "msg_lonely_within"}
        statuses = sorted(
            (message_id, status.value) for message_id, status in db.session.execute(
                select(WebhookEvent.message_id, WebhookDelivery.status)
                .join(WebhookDelivery.event)))
        assert statuses == [("msg_delivered_within", "delivered"),
                            ("msg_given_up_within", "failed"), ("msg_pending_old", "pending"),
                            ("msg_resent", "delivered"), ("msg_sending_old", "sending")]
        assert prune_history() == (0, 0)  # running it again deletes nothing more
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 5


def test_a_shorter_retention_is_honoured(app, make):
    endpoint = register(app, make, "https://93.184.215.14/hooks")
    app.config["WEBHOOK_RETENTION_DAYS"] = 7
    now = utcnow()
    with app.app_context():
        for days in (6, 8):
            event = WebhookEvent(message_id=f"msg_{days}", type="eta.changed", payload={},
                                 created_at=now - days * DAY)
            db.session.add(WebhookDelivery(event=event, endpoint_id=endpoint.id,
                                           created_at=now - days * DAY,
                                           status=DeliveryStatus.DELIVERED,
                                           delivered_at=now - days * DAY))
        db.session.commit()
        assert prune_history() == (1, 1)
        assert list(db.session.scalars(select(WebhookEvent.message_id))) == ["msg_6"]
