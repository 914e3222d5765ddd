"""Two metrics of the relationship itself: how recently the firm and the client were last in
two-way contact (Contact recency), and whether the client says the firm lives its values
(Values lived). Like every metric they read only what had happened before `as_of`, as it
stood then, so a backfilled week is scored exactly as it would have been that Monday.
"""

from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, or_, select

from portal.accounts.models import Organization
from portal.db import zone_or_utc
from portal.extensions import db
from portal.health.models import HealthReview, Metric
from portal.health.scoring import MetricResult, clamp_score, not_enough_data
from portal.projects.models import Project, Question
from portal.pulses.models import PulseRequest, ValueAnswer
from portal.touchpoints.models import Touchpoint
from portal.web.numbers import decimals, tidy

CONTACT_ZERO_FACTOR = 4  # this many times the target without contact scores 0
VALUES_DAYS = 90
VALUES_MIN_ANSWERS = 3
VALUES_REVISION_DAYS = 366  # an answer changed later than this after it was given is unheard of

Results = dict[int, MetricResult]


def contact_score(days: int, target_days: int) -> Fraction:
    """100 within the target, falling linearly to 0 at four times the target."""
    if days <= target_days:
        return Fraction(100)
    zero = CONTACT_ZERO_FACTOR * target_days
    return max(Fraction(0), Fraction(100 * (zero - days), zero - target_days))


def _latest(rows, zones: dict[int, str], found: dict[int, tuple[date, str]], what: str) -> None:
    """Keep, per account, the latest day (where the account is) among `rows` of (org, moment)."""
    for org, moment in rows:
        if moment is None:
            continue
        day = moment if isinstance(moment, date) and not isinstance(moment, datetime) else \
            moment.astimezone(zone_or_utc(zones[org])).date()
        if org not in found or day > found[org][0]:
            found[org] = (day, what)


def contact_recency(organization_ids: list[int], as_of: datetime, *,
                    target_days: int) -> Results:
    """Days from the last two-way contact before `as_of` to `as_of`, by days where the account
    is: a touchpoint logged by then (and not removed by then), a client question first
    answered, or a weekly review."""
    zones = dict(db.session.execute(select(Organization.id, Organization.timezone).where(
        Organization.id.in_(organization_ids))).all())
    found: dict[int, tuple[date, str]] = {}
    _latest(db.session.execute(
        select(Touchpoint.organization_id, func.max(Touchpoint.occurred_on))
        .where(Touchpoint.organization_id.in_(organization_ids), Touchpoint.recorded_at < as_of,
               or_(Touchpoint.removed_at.is_(None), Touchpoint.removed_at >= as_of))
        .group_by(Touchpoint.organization_id)), zones, found, "a touchpoint")
    _latest(db.session.execute(
        select(Project.organization_id, func.max(Question.first_answered_at))
        .join(Project, Project.id == Question.project_id)
        .where(Project.organization_id.in_(organization_ids),
               Question.first_answered_at < as_of)
        .group_by(Project.organization_id)), zones, found, "a question answered")
    _latest(db.session.execute(
        select(HealthReview.organization_id, func.max(HealthReview.created_at))
        .where(HealthReview.organization_id.in_(organization_ids),
               HealthReview.created_at < as_of)
        .group_by(HealthReview.organization_id)), zones, found, "a weekly review")
    results = {}
    for org in organization_ids:
        zone = zones.get(org, "UTC")
        if org not in found:
            results[org] = not_enough_data(
                Metric.CONTACT_RECENCY, "no two-way contact recorded (a touchpoint, a client "
                                        "question answered or a weekly review)")
            continue
        day, what = found[org]
        today = as_of.astimezone(zone_or_utc(zone)).date()
        days = max(0, (today - day).days)
        score = contact_score(days, target_days)
        results[org] = MetricResult(Metric.CONTACT_RECENCY, clamp_score(score), (
            f"Last two-way contact {day:%-d %b %Y} ({what}), {days} days before "
            f"{today:%-d %b %Y}; target every {target_days} days (100), "
            f"{CONTACT_ZERO_FACTOR * target_days} days or more scores 0, linear between → "
            f"{tidy(score)}; contact is a touchpoint, a client question answered or a weekly "
            f"review; days in {zone}"))
    return results


def _value_scores(organization_ids: list[int], as_of: datetime) -> dict[int, list]:
    """Per account, each values answer first given in the window with its score as it stood
    at `as_of` (the latest row given before it), and the value asked."""
    start = as_of - timedelta(days=VALUES_DAYS)
    rows = db.session.execute(
        select(PulseRequest.organization_id, ValueAnswer.request_id, PulseRequest.value_title,
               ValueAnswer.score, ValueAnswer.given_at)
        .join(PulseRequest, PulseRequest.id == ValueAnswer.request_id)
        .where(PulseRequest.organization_id.in_(organization_ids), ValueAnswer.given_at < as_of,
               ValueAnswer.given_at >= start - timedelta(days=VALUES_REVISION_DAYS))
        .order_by(ValueAnswer.request_id, ValueAnswer.given_at, ValueAnswer.id)).all()
    first: dict[int, datetime] = {}
    latest: dict[int, tuple[int, str, int]] = {}
    for org, request_id, title, score, given_at in rows:
        first.setdefault(request_id, given_at)
        latest[request_id] = (org, title, score)
    scores: dict[int, list] = {org: [] for org in organization_ids}
    for request_id, (org, title, score) in latest.items():
        if first[request_id] >= start:
            scores[org].append((title, score))
    return scores


def values_lived(organization_ids: list[int], as_of: datetime) -> Results:
    """The mean of the clients' 1-5 answers to "did we live this value?" over the last 90
    days, (mean − 1) / 4 on 0..100."""
    results = {}
    for org, answers in _value_scores(organization_ids, as_of).items():
        n = len(answers)
        if n < VALUES_MIN_ANSWERS:
            results[org] = not_enough_data(
                Metric.VALUES_LIVED, f"{n} values answer{'' if n == 1 else 's'} in "
                                     f"{VALUES_DAYS} days (needs {VALUES_MIN_ANSWERS})")
            continue
        mean = Fraction(sum(s for _, s in answers), n)
        per_value: dict[str, list[int]] = {}
        for title, score in answers:
            per_value.setdefault(title or "a value since deleted", []).append(score)
        words = "; ".join(f"{title} {decimals(Fraction(sum(s), len(s)), 2)} (n={len(s)})"
                          for title, s in sorted(per_value.items()))
        results[org] = MetricResult(Metric.VALUES_LIVED, clamp_score(100 * (mean - 1) / 4), (
            f"Mean {decimals(mean, 2)} of 5 from {n} answers to “did we live this value?” in "
            f"the last {VALUES_DAYS} days ({words}); (mean − 1) / 4; each answer as it stood "
            f"then"))
    return results
