"""Helpers for the webhook tests: register an endpoint, publish something that emits."""

from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.webhooks import services
from portal.webhooks.models import (
    EndpointKind,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

ADMIN = "morgan@firm.example"
ALL_EVENTS = [e.value for e in EventType]


def register(app, make, url: str, *, events=None, kind=EndpointKind.JSON) -> WebhookEndpoint:
    """An endpoint registered by an admin (created if missing), as the admin page does."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
    admin = admin or make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    with app.app_context():
        db.session().expire_on_commit = False
        endpoint = services.register_endpoint(
            url=url, events=events or ALL_EVENTS, kind=kind, description="Our CRM",
            by=db.session.get(User, admin.id))
        db.session.commit()
        return endpoint


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        db.session().expire_on_commit = False
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def event_types(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(WebhookEvent.type).order_by(WebhookEvent.id)))


def endpoint_now(app, endpoint_id: int) -> WebhookEndpoint:
    with app.app_context():
        db.session().expire_on_commit = False
        return db.session.get(WebhookEndpoint, endpoint_id)
