"""Each account's weekly health snapshot: computed as of the week's Monday, kept, backfilled,
and explained for one account (computed now when the weekly job has not run yet).

Functions flush, never commit; views, the CLI and the weekly job commit once.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.db import utcnow
from portal.extensions import db
from portal.health import metrics
from portal.health.alerts import raise_alert
from portal.health.models import Band, HealthSnapshot
from portal.health.scoring import HealthConfig, HealthScore, MetricResult
from portal.health.settings import current_config
from portal.health.weeks import week_begins_at, week_start


def score_accounts(organization_ids: list[int], as_of: datetime,
                   config: HealthConfig | None = None) -> dict[int, HealthScore]:
    """Each account's score as of a moment, with every metric explained."""
    return metrics.compute(organization_ids, as_of, config or current_config())


def _all_organization_ids() -> list[int]:
    return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))


def snapshot_week(week: date, *, alert: bool = True,
                  config: HealthConfig | None = None) -> list[HealthSnapshot]:
    """Compute every account's score as of the week's Monday 00:00 UTC and keep it, replacing
    that week's earlier snapshot; with `alert`, raise alerts against the week before."""
    config = config or current_config()
    week = week_start(week)
    ids = _all_organization_ids()
    scores = score_accounts(ids, week_begins_at(week), config)
    existing = {s.organization_id: s for s in db.session.scalars(
        select(HealthSnapshot).where(HealthSnapshot.week_start == week))}
    previous = {s.organization_id: s for s in db.session.scalars(
        select(HealthSnapshot).where(HealthSnapshot.week_start == week - timedelta(days=7)))}
    snapshots = []
    for org_id in ids:
        result = scores[org_id]
        snapshot = existing.get(org_id) or HealthSnapshot(organization_id=org_id,
                                                          week_start=week)
        snapshot.score, snapshot.band = result.score, config.band(result.score)
        snapshot.metrics = [m.as_dict() for m in result.metrics]
        snapshot.computed_at = utcnow()
        db.session.add(snapshot)
        snapshots.append(snapshot)
    db.session.flush()
    if alert:
        for snapshot in snapshots:
            raise_alert(snapshot, previous.get(snapshot.organization_id))
    return snapshots


def backfill(weeks: int, *, today: date | None = None,
             config: HealthConfig | None = None) -> list[date]:
    """Recompute the snapshots of the last `weeks` weeks up to this one, oldest first, from the
    data as it was; running it again gives the same rows. It raises no alerts: old news."""
    config = config or current_config()
    this_week = week_start(today or utcnow())
    done = []
    for back in range(weeks - 1, -1, -1):
        week = this_week - timedelta(days=7 * back)
        snapshot_week(week, alert=False, config=config)
        done.append(week)
    return done


@dataclass(frozen=True)
class AccountHealth:
    """What the account page explains: this week's score (saved or computed now), the trend."""

    week: date
    score: int | None
    band: Band | None
    metrics: list[MetricResult]
    saved: bool
    history: list[HealthSnapshot]
    config: HealthConfig

    @property
    def counted(self) -> list[MetricResult]:
        return [m for m in self.metrics if m.score is not None]

    @property
    def weight_counted(self) -> int:
        return sum(m.weight for m in self.counted)

    @property
    def change(self) -> int | None:
        previous = [s for s in self.history if s.week_start == self.week - timedelta(days=7)]
        if not previous or previous[0].score is None or self.score is None:
            return None
        return self.score - previous[0].score


def account_health(organization: Organization, *, today: date | None = None) -> AccountHealth:
    """This week's snapshot explained, or (before the weekly job has run) the same computation
    done now and not saved; with the snapshots of the last year for the chart."""
    week = week_start(today or utcnow())
    config = current_config()
    history = list(db.session.scalars(
        select(HealthSnapshot).where(HealthSnapshot.organization_id == organization.id,
                                     HealthSnapshot.week_start > week - timedelta(days=365),
                                     HealthSnapshot.week_start <= week)
        .order_by(HealthSnapshot.week_start)))
    saved = next((s for s in history if s.week_start == week), None)
    if saved is not None:
        results = [MetricResult.from_dict(d) for d in saved.metrics]
        return AccountHealth(week, saved.score, saved.band, results, True, history, config)
    computed = score_accounts([organization.id], week_begins_at(week), config)[organization.id]
    return AccountHealth(week, computed.score, config.band(computed.score),
                         list(computed.metrics), False, history, config)
