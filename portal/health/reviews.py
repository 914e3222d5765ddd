"""Weekly reviews: staff record once a week how an account feels and what happens next.

Functions flush, never commit; views commit once.
"""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.health.models import HealthReview, HealthSnapshot, Mood
from portal.health.settings import HealthError
from portal.health.weeks import week_start


class AlreadyReviewed(HealthError):
    """This account already has its review for this week."""

    def __init__(self) -> None:
        super().__init__("This account has already been reviewed this week.")


def record_review(organization: Organization, *, by: User, mood: Mood, note: str,
                  next_action: str, next_action_on: date,
                  now: datetime | None = None) -> HealthReview:
    """This week's review of an account; a second one in the same week is refused."""
    week = week_start(now or utcnow())
    lock(organization)  # two reviews at once (a double click): the second finds the first
    if db.session.scalar(select(HealthReview.id).where(
            HealthReview.organization_id == organization.id,
            HealthReview.week_start == week)):
        raise AlreadyReviewed()
    if not next_action.strip():
        raise HealthError("Say what the next action is.")
    latest = db.session.scalars(
        select(HealthSnapshot.score).where(HealthSnapshot.organization_id == organization.id)
        .order_by(HealthSnapshot.week_start.desc()).limit(1)).first()
    review = HealthReview(
        organization_id=organization.id, week_start=week, reviewer_id=by.id, mood=mood,
        note=note.strip(), next_action=next_action.strip(), next_action_on=next_action_on,
        score=latest,
    )
    db.session.add(review)
    db.session.flush()
    return review


def reviews_of(organization: Organization) -> list[HealthReview]:
    """An account's reviews, newest first."""
    return list(db.session.scalars(
        select(HealthReview).where(HealthReview.organization_id == organization.id)
        .options(selectinload(HealthReview.reviewer))
        .order_by(HealthReview.week_start.desc())))
