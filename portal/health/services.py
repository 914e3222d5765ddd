"""Health rules: settings, weekly snapshots, alerts, reviews and the accounts list.

Functions flush, never commit; views, the CLI and the weekly job commit once.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock, lock_table
from portal.db import utcnow
from portal.extensions import db
from portal.health import metrics
from portal.health.models import (
    Band,
    HealthAlert,
    HealthReview,
    HealthSettings,
    HealthSnapshot,
    Metric,
    MetricWeight,
    Mood,
)
from portal.health.scoring import (
    DEFAULT_ACTIVE,
    DEFAULT_WEIGHTS,
    MAX_ACTIVE,
    MIN_ACTIVE,
    HealthConfig,
    HealthScore,
    MetricResult,
)
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message, wants_email
from portal.pulses.reports import _cell as csv_cell

DROP_ALERT_POINTS = 10
TREND_WEEKS = 12


class HealthError(ValueError):
    """A health rule refused the change; the message is for the user."""


class ActiveCountError(HealthError):
    """Fewer than 3 or more than 7 metrics were chosen."""

    def __init__(self, count: int) -> None:
        super().__init__(f"Choose between {MIN_ACTIVE} and {MAX_ACTIVE} metrics; "
                         f"{count} {'was' if count == 1 else 'were'} chosen.")


class AlreadyReviewed(HealthError):
    """This account already has its review for this week."""

    def __init__(self) -> None:
        super().__init__("This account has already been reviewed this week.")


def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week a moment falls in."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_begins_at(week: date) -> datetime:
    """Monday 00:00 UTC of the week: the moment a week's snapshot is computed as of."""
    return datetime.combine(week, time(), tzinfo=UTC)


def week_label(week: date) -> str:
    """ISO week as people write it: 2026-W14."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


# --- settings ---------------------------------------------------------------------------


def current_config() -> HealthConfig:
    """The admin's settings, with defaults for anything never saved (two small queries)."""
    settings = db.session.get(HealthSettings, 1)
    rows = {w.metric: w for w in db.session.scalars(select(MetricWeight))}
    weights = {m: rows[m].weight if m in rows else DEFAULT_WEIGHTS[m] for m in Metric}
    active = tuple(m for m in Metric if (rows[m].active if m in rows else m in DEFAULT_ACTIVE))
    if settings is None:
        return HealthConfig(weights=weights, active=active)
    return HealthConfig(weights=weights, active=active, green_from=settings.green_from,
                        amber_from=settings.amber_from,
                        response_target_days=settings.response_target_days)


def config_version(config: HealthConfig) -> str:
    """The version of what the settings form shows: every weight, the metrics that count and
    the thresholds."""
    return edit_version(config.weights, config.active, config.green_from, config.amber_from,
                        config.response_target_days)


def save_config(*, weights: dict[Metric, int], active: set[Metric], green_from: int,
                amber_from: int, response_target_days: int, by: User,
                seen: str | None = None) -> HealthConfig:
    """Store weights, the active metrics (3 to 7) and thresholds; bad values change nothing.

    `seen` is the config_version() the form was opened on; refused if it changed since.
    """
    if not MIN_ACTIVE <= len(active) <= MAX_ACTIVE:
        raise ActiveCountError(len(active))
    if not 1 <= amber_from < green_from <= 100:
        raise HealthError("Amber must start below green, and both between 1 and 100.")
    if any(not 1 <= weights[m] <= 100 for m in Metric):
        raise HealthError("Every weight must be between 1 and 100.")
    lock_table(HealthSettings)  # one row, perhaps not there yet: two first saves would both add it
    check_version(seen, config_version(current_config()))
    settings = db.session.get(HealthSettings, 1) or HealthSettings(id=1)
    settings.green_from, settings.amber_from = green_from, amber_from
    settings.response_target_days = response_target_days
    settings.updated_at, settings.updated_by_id = utcnow(), by.id
    db.session.add(settings)
    rows = {w.metric: w for w in db.session.scalars(select(MetricWeight))}
    for metric in Metric:
        row = rows.get(metric) or MetricWeight(metric=metric)
        row.weight, row.active = weights[metric], metric in active
        db.session.add(row)
    audit.record("health.settings_changed", actor=by, summary=", ".join(
        f"{m.value} {weights[m]}" for m in Metric if m in active)
        + f"; green from {green_from}, amber from {amber_from}")
    db.session.flush()
    return current_config()


# --- scores and snapshots -----------------------------------------------------------------


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


def raise_alert(snapshot: HealthSnapshot,
                previous: HealthSnapshot | None) -> HealthAlert | None:
    """An alert when the score fell 10+ points since last week or entered red; once a week."""
    if snapshot.score is None:
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
    return alert


def queue_health_alert(alert: HealthAlert):
    """Email the account owner (staff) through the outbox; never a client."""
    organization = db.session.get(Organization, alert.organization_id)
    owner = organization.account_owner
    if not wants_email(owner) or not owner.is_staff:
        return None
    message = queue_message(
        owner, MessageKind.HEALTH_ALERT, dedupe_key=f"health-alert:{alert.id}",
        subject=f"Account health: {organization.name} {alert.reason.lower()}",
        organization_name=organization.name, reason=alert.reason, score=alert.score,
        previous_score=alert.previous_score, week=week_label(alert.week_start),
        health_url=absolute_url("health.show", organization_id=organization.id),
    )
    db.session.flush()
    return message


def open_alerts() -> list[HealthAlert]:
    """Alerts nobody has acknowledged yet, newest first."""
    return list(db.session.scalars(
        select(HealthAlert).where(HealthAlert.acknowledged_at.is_(None))
        .options(selectinload(HealthAlert.organization))
        .order_by(HealthAlert.week_start.desc(), HealthAlert.id.desc())))


def acknowledge_alert(alert: HealthAlert, *, by: User) -> None:
    """Take an alert off staff home: someone has seen it and owns it."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_id = utcnow(), by.id
    db.session.flush()


# --- reviews -------------------------------------------------------------------------------


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


# --- the accounts list ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    """One account on the list: its latest snapshot, the change against the week before and
    the recent trend, all from snapshots."""

    organization: Organization
    score: int | None
    band: Band | None
    week: date | None
    change: int | None
    trend: list[tuple[date, int | None]]
    reviewed: bool

    @property
    def risk_key(self) -> tuple:
        """Red first, then amber, green, unscored; within a band the biggest fall first."""
        order = {Band.RED: 0, Band.AMBER: 1, Band.GREEN: 2, None: 3}[self.band]
        return (order, self.change if self.change is not None else 0,
                self.score if self.score is not None else 101, self.organization.name)


def account_rows(*, owner_id: int | None = None, band: Band | None = None,
                 today: date | None = None) -> list[AccountRow]:
    """Every account sorted by risk, optionally one owner's or one band's: three queries."""
    this_week = week_start(today or utcnow())
    stmt = select(Organization).options(selectinload(Organization.account_owner)).order_by(
        Organization.name)
    if owner_id:
        stmt = stmt.where(Organization.account_owner_id == owner_id)
    organizations = db.session.scalars(stmt).all()
    since = this_week - timedelta(days=7 * (TREND_WEEKS - 1))
    trends: dict[int, list[tuple[date, int | None, Band | None]]] = {}
    for org_id, week, score, snap_band in db.session.execute(
        select(HealthSnapshot.organization_id, HealthSnapshot.week_start, HealthSnapshot.score,
               HealthSnapshot.band)
        .where(HealthSnapshot.week_start >= since, HealthSnapshot.week_start <= this_week)
        .order_by(HealthSnapshot.organization_id, HealthSnapshot.week_start)
    ):
        trends.setdefault(org_id, []).append((week, score, snap_band))
    reviewed = set(db.session.scalars(
        select(HealthReview.organization_id).where(HealthReview.week_start == this_week)))
    rows = []
    for organization in organizations:
        trend = trends.get(organization.id, [])
        latest = trend[-1] if trend else None
        before = trend[-2] if len(trend) >= 2 else None
        change = None
        if latest and before and latest[1] is not None and before[1] is not None \
                and before[0] == latest[0] - timedelta(days=7):
            change = latest[1] - before[1]
        row = AccountRow(
            organization=organization, score=latest[1] if latest else None,
            band=latest[2] if latest else None, week=latest[0] if latest else None,
            change=change, trend=[(w, s) for w, s, _ in trend],
            reviewed=organization.id in reviewed,
        )
        if band is None or row.band == band:
            rows.append(row)
    rows.sort(key=lambda r: r.risk_key)
    return rows


def unreviewed_accounts(today: date | None = None) -> list[AccountRow]:
    """Accounts with no review this week, worst first (lowest score; unscored last)."""
    rows = [r for r in account_rows(today=today) if not r.reviewed]
    rows.sort(key=lambda r: (r.score is None, r.score if r.score is not None else 0,
                             r.organization.name))
    return rows


def accounts_csv(rows: list[AccountRow]) -> str:
    """The accounts list as CSV, UTF-8, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["account", "owner", "week", "score", "band", "change", "reviewed"])
    for row in rows:
        owner = row.organization.account_owner
        # Names are typed by people and made safe; the rest are our own numbers and words.
        writer.writerow([
            csv_cell(row.organization.name), csv_cell(owner.name if owner else ""),
            week_label(row.week) if row.week else "", "" if row.score is None else row.score,
            row.band.value if row.band else "", "" if row.change is None else row.change,
            "yes" if row.reviewed else "no",
        ])
    return out.getvalue()


# --- one account ---------------------------------------------------------------------------


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
