"""Each account's weekly health snapshot: computed as of the week's Monday, kept, backfilled,
and explained for one account (computed now when the weekly job has not run yet).

Functions flush, never commit; views, the CLI and the weekly job commit once.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock_table
from portal.db import utcnow
from portal.extensions import db
from portal.health import metrics
from portal.health.alerts import raise_alert
from portal.health.models import Band, HealthSnapshot
from portal.health.scoring import HealthConfig, HealthScore, MetricResult
from portal.health.settings import current_config
from portal.health.weeks import trend_weeks, week_begins_at, week_label, week_start


def score_accounts(organization_ids: list[int], as_of: datetime,
                   config: HealthConfig | None = None) -> dict[int, HealthScore]:
    """Each account's score as of a moment, with every metric explained."""
    return metrics.compute(organization_ids, as_of, config or current_config())


def _all_organization_ids() -> list[int]:
    """The accounts the weekly job scores: not the archived ones (their history stays)."""
    return list(db.session.scalars(select(Organization.id).where(
        Organization.archived_at.is_(None)).order_by(Organization.id)))


def snapshot_week(week: date, *, alert: bool = True, config: HealthConfig | None = None,
                  organization_ids: list[int] | None = None) -> list[HealthSnapshot]:
    """Compute every account's (or the given accounts') score as of the week's Monday 00:00 UTC
    and keep it with the bands and coverage minimum it was scored with, replacing that week's
    earlier snapshot; with `alert`, raise alerts against the week before."""
    config = config or current_config()
    week = week_start(week)
    lock_table(HealthSnapshot)  # the job and two clicks at once: one writes, the next replaces
    ids = organization_ids if organization_ids is not None else _all_organization_ids()
    scores = score_accounts(ids, week_begins_at(week), config)
    existing = _snapshots_of(week, organization_ids)
    previous = _snapshots_of(week - timedelta(days=7), organization_ids)
    snapshots = []
    for org_id in ids:
        snapshot = existing.get(org_id) or HealthSnapshot(organization_id=org_id,
                                                          week_start=week)
        _keep(snapshot, scores[org_id], config)
        db.session.add(snapshot)
        snapshots.append(snapshot)
    db.session.flush()
    if alert:
        for snapshot in snapshots:
            raise_alert(snapshot, previous.get(snapshot.organization_id))
    return snapshots


def _snapshots_of(week: date, organization_ids: list[int] | None) -> dict[int, HealthSnapshot]:
    """A week's snapshots by account: the given accounts' (None: every account's)."""
    stmt = select(HealthSnapshot).where(HealthSnapshot.week_start == week)
    if organization_ids is not None:
        stmt = stmt.where(HealthSnapshot.organization_id.in_(organization_ids))
    return {s.organization_id: s for s in db.session.scalars(stmt)}


def _keep(snapshot: HealthSnapshot, result: HealthScore, config: HealthConfig) -> None:
    """Write a score into a snapshot with what it was scored with; thin data keeps no score."""
    score = result.score if result.stands(config.min_coverage) else None
    snapshot.score, snapshot.band = score, config.band(score)
    snapshot.green_from, snapshot.amber_from = config.green_from, config.amber_from
    snapshot.min_coverage = config.min_coverage
    snapshot.weight_counted, snapshot.weight_total = result.weight_counted, result.weight_total
    snapshot.metrics = [m.as_dict() for m in result.metrics]
    snapshot.computed_at = utcnow()


def rescore_this_week(*, by: User, organization: Organization | None = None,
                      today: date | None = None) -> list[HealthSnapshot]:
    """Staff's button: this week's snapshot of one account (or every account) computed again
    now with the current settings, audited; alerts as the weekly job would raise them."""
    week = week_start(today or utcnow())
    ids = [organization.id] if organization is not None else None
    snapshots = snapshot_week(week, organization_ids=ids)
    count = len(snapshots)
    what = organization.name if organization is not None else \
        f"{count} account{'' if count == 1 else 's'}"
    audit.record("health.rescored", actor=by, target=organization, organization=organization,
                 summary=f"{week_label(week)} rescored for {what}")
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
class MetricTrend:
    """One metric on the account page: its weekly scores and what changed since last week."""

    result: MetricResult
    previous: MetricResult | None
    trend: list[tuple[date, int | None]]

    @property
    def change(self) -> int | None:
        if self.previous is None or self.previous.score is None or self.result.score is None:
            return None
        return self.result.score - self.previous.score

    @property
    def weight_changed(self) -> bool:
        return self.previous is not None and self.previous.weight != self.result.weight


@dataclass(frozen=True)
class AccountHealth:
    """What the account page explains: the account's latest snapshot (the one the list shows,
    exactly as it was scored), the snapshots before it, and the settings now."""

    this_week: date
    snapshot: HealthSnapshot | None
    history: list[HealthSnapshot]
    config: HealthConfig

    @property
    def week(self) -> date | None:
        return self.snapshot.week_start if self.snapshot else None

    @property
    def score(self) -> int | None:
        return self.snapshot.score if self.snapshot else None

    @property
    def band(self) -> Band | None:
        return self.snapshot.band if self.snapshot else None

    @property
    def metrics(self) -> list[MetricResult]:
        return [MetricResult.from_dict(d) for d in self.snapshot.metrics] if self.snapshot else []

    @property
    def weight_counted(self) -> int:
        return self.snapshot.weight_counted if self.snapshot else 0

    @property
    def week_before(self) -> date | None:
        return self.week - timedelta(days=7) if self.week else None

    @property
    def is_this_week(self) -> bool:
        return self.week == self.this_week

    @property
    def settings_changed(self) -> bool:
        """Whether the bands or the coverage minimum are not those the snapshot was scored with
        (weights show in each metric's row)."""
        s = self.snapshot
        return s is not None and (s.green_from, s.amber_from, s.min_coverage) != (
            self.config.green_from, self.config.amber_from, self.config.min_coverage)

    @property
    def change(self) -> int | None:
        previous = next((s for s in self.history if s.week_start == self.week_before), None)
        if previous is None or previous.score is None or self.score is None:
            return None
        return self.score - previous.score

    def metric_trends(self) -> list[MetricTrend]:
        """Each metric of the snapshot with its score week by week over the trend window
        (None where a week has no snapshot or the metric no data) and last week's result."""
        by_week = {s.week_start: {d["metric"]: d for d in s.metrics} for s in self.history}
        previous = by_week.get(self.week_before, {})
        window = trend_weeks(self.this_week)
        trends = []
        for result in self.metrics:
            key = result.metric.value
            scores = [(w, by_week.get(w, {}).get(key, {}).get("score")) for w in window]
            before = MetricResult.from_dict(previous[key]) if key in previous else None
            trends.append(MetricTrend(result, before, scores))
        return trends


def account_health(organization: Organization, *, today: date | None = None) -> AccountHealth:
    """The account's latest snapshot of the trend window (the figure the list shows, never a
    different one computed on the fly) and the last year's snapshots for the chart."""
    this_week = week_start(today or utcnow())
    history = list(db.session.scalars(
        select(HealthSnapshot).where(HealthSnapshot.organization_id == organization.id,
                                     HealthSnapshot.week_start > this_week - timedelta(days=365),
                                     HealthSnapshot.week_start <= this_week)
        .order_by(HealthSnapshot.week_start)))
    since = trend_weeks(this_week)[0]
    current = history[-1] if history and history[-1].week_start >= since else None
    return AccountHealth(this_week, current, history, current_config())
