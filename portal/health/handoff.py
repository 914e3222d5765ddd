"""The account's health page as it stands, as plain values to keep: what the hand-off to client
care carries (its email and the client-care owner's staff home), never recomputed later."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.db import zone_or_utc
from portal.extensions import db
from portal.health.reviews import reviews_of
from portal.health.snapshots import account_health
from portal.health.weeks import week_label
from portal.pulses.models import FollowUp, PulseRequest

REVIEWS_KEPT = 3


def _open_follow_ups(organization: Organization) -> list[dict]:
    found = db.session.scalars(
        select(FollowUp).join(PulseRequest)
        .where(PulseRequest.organization_id == organization.id, FollowUp.resolved_at.is_(None))
        .options(selectinload(FollowUp.request).selectinload(PulseRequest.user),
                 selectinload(FollowUp.owner))
        .order_by(FollowUp.due_at))
    zone = zone_or_utc(organization.timezone)
    return [{"client": f.request.user.name, "reason": f.reason,
             "due": f"{f.due_at.astimezone(zone):%-d %b %Y}",
             "owner": f.owner.name if f.owner else None} for f in found]


def health_as_it_stands(organization: Organization, now: datetime) -> dict:
    """Score, band, each metric with its explanation, open follow-ups and the last three
    reviews of the account, as JSON-ready values (the kept weekly snapshot's, as the page)."""
    health = account_health(organization, today=now.date())
    reviews = reviews_of(organization)[:REVIEWS_KEPT]
    return {
        "organization_name": organization.name,
        "as_of": now.isoformat(),
        "week": week_label(health.week) if health.week else None,
        "score": health.score,
        "band": health.band.value if health.band else None,
        "metrics": [{"name": m.name, "score": m.score, "weight": m.weight,
                     "inputs": m.inputs} for m in health.metrics],
        "open_follow_ups": _open_follow_ups(organization),
        "reviews": [{"week": week_label(r.week_start), "mood": r.mood.label, "note": r.note,
                     "next_action": r.next_action,
                     "by": r.reviewer.name if r.reviewer else None} for r in reviews],
    }
