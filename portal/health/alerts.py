"""Health alerts: a fall of 10+ points or a move into red, once a week, emailed to the
account's owner (staff, never a client) and waiting on staff home until acknowledged.

Functions flush, never commit; views and the weekly job commit once.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.health.models import Band, HealthAlert, HealthSnapshot
from portal.health.weeks import week_label
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message, wants_email
from portal.projects.models import Project
from portal.webhooks import events as webhooks

DROP_ALERT_POINTS = 10


def raise_alert(snapshot: HealthSnapshot,
                previous: HealthSnapshot | None) -> HealthAlert | None:
    """An alert when the score fell 10+ points since last week or entered red; once a week."""
    if snapshot.score is None or _archived(snapshot.organization_id):
        return None
    dropped = None
    if previous is not None and previous.score is not None:
        fall = previous.score - snapshot.score
        dropped = fall if fall >= DROP_ALERT_POINTS else None
    entered_red = snapshot.band == Band.RED and (previous is None or previous.band != Band.RED)
    if dropped is None and not entered_red:
        return None
    alert = db.session.scalars(select(HealthAlert).where(
        HealthAlert.organization_id == snapshot.organization_id,
        HealthAlert.week_start == snapshot.week_start)).first()
    if alert is not None:
        return alert
    alert = HealthAlert(
        organization_id=snapshot.organization_id, week_start=snapshot.week_start,
        score=snapshot.score, previous_score=previous.score if previous else None,
        dropped_by=dropped, entered_red=entered_red,
    )
    db.session.add(alert)
    db.session.flush()
    queue_health_alert(alert)
    webhooks.health_alert(alert)
    return alert


def _archived(organization_id: int) -> bool:
    """An archived account raises no alert: nobody is meant to act on it."""
    return db.session.scalar(select(Organization.archived_at.is_not(None)).where(
        Organization.id == organization_id))


def alert_owner(organization: Organization) -> User | None:
    """Who the account's health alerts go to: its client-care owner while it has no open
    project (the closeout handed it to them), else its account owner."""
    if organization.care_owner is not None and db.session.scalar(
            select(Project.id).where(Project.organization_id == organization.id,
                                     Project.closed_on.is_(None),
                                     Project.archived_at.is_(None)).limit(1)) is None:
        return organization.care_owner
    return organization.account_owner


def queue_health_alert(alert: HealthAlert):
    """Email the account's alert owner (staff, see alert_owner) through the outbox; never a
    client."""
    organization = db.session.get(Organization, alert.organization_id)
    owner = alert_owner(organization)
    if not wants_email(owner) or not owner.is_staff:
        return None
    message = queue_message(
        owner, MessageKind.HEALTH_ALERT, dedupe_key=f"health-alert:{alert.id}",
        subject=f"Account health: {organization.name} {alert.reason.lower()}",
        organization_name=organization.name, reason=alert.reason, score=alert.score,
        previous_score=alert.previous_score, week=week_label(alert.week_start),
        coverage=alert.snapshot.coverage if alert.snapshot else None,
        health_url=absolute_url("health.show", organization_id=organization.id),
    )
    db.session.flush()
    return message


def open_alerts() -> list[HealthAlert]:
    """Alerts nobody has acknowledged yet, newest first."""
    return list(db.session.scalars(
        select(HealthAlert).where(HealthAlert.acknowledged_at.is_(None))
        .join(Organization, Organization.id == HealthAlert.organization_id)
        .where(Organization.archived_at.is_(None))
        .options(selectinload(HealthAlert.organization), selectinload(HealthAlert.snapshot))
        .order_by(HealthAlert.week_start.desc(), HealthAlert.id.desc())))


def acknowledge_alert(alert: HealthAlert, *, by: User) -> None:
    """Take an alert off staff home: someone has seen it and owns it."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_id = utcnow(), by.id
    db.session.flush()
