"""The staff accounts list: every account's latest score, change and trend, sorted by risk,
read from the kept snapshots only; and its CSV export."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.health.models import Band, HealthReview, HealthSnapshot, coverage_percent
from portal.health.weeks import trend_weeks, week_label, week_start
from portal.projects import finding
from portal.pulses.reports import _cell as csv_cell


@dataclass(frozen=True)
class AccountRow:
    """One account on the list: its latest snapshot (the account page shows the same one), the
    change against the week before and the recent trend, all from snapshots. A snapshot
    without a score had too little of the weight covered by data: "not enough data"."""

    organization: Organization
    score: int | None
    band: Band | None
    week: date | None
    change: int | None
    trend: list[tuple[date, int | None]]
    reviewed: bool
    coverage: int | None = None

    @property
    def not_enough_data(self) -> bool:
        return self.week is not None and self.score is None

    @property
    def risk_key(self) -> tuple:
        """Red first, then amber, green, unscored; within a band the biggest fall first."""
        order = {Band.RED: 0, Band.AMBER: 1, Band.GREEN: 2, None: 3}[self.band]
        return (order, self.change if self.change is not None else 0,
                self.score if self.score is not None else 101, self.organization.name)


def account_rows(*, owner_id: int | None = None, band: Band | None = None,
                 today: date | None = None, show_archived: bool = False) -> list[AccountRow]:
    """Every account sorted by risk (archived ones only if asked), optionally one owner's or
    one band's: three queries."""
    # The same snapshot as the account page: the latest of the trend window (account_health).
    this_week = week_start(today or utcnow())
    stmt = select(Organization).options(selectinload(Organization.account_owner)).order_by(
        Organization.name)
    if owner_id:
        stmt = stmt.where(Organization.account_owner_id == owner_id)
    if not show_archived:
        stmt = stmt.where(Organization.archived_at.is_(None))
    organizations = db.session.scalars(stmt).all()
    since = trend_weeks(this_week)[0]
    trends: dict[int, list[tuple[date, int | None, Band | None, int | None]]] = {}
    for org_id, week, score, snap_band, counted, total in db.session.execute(
        select(HealthSnapshot.organization_id, HealthSnapshot.week_start, HealthSnapshot.score,
               HealthSnapshot.band, HealthSnapshot.weight_counted, HealthSnapshot.weight_total)
        .where(HealthSnapshot.week_start >= since, HealthSnapshot.week_start <= this_week)
        .order_by(HealthSnapshot.organization_id, HealthSnapshot.week_start)
    ):
        trends.setdefault(org_id, []).append(
            (week, score, snap_band, coverage_percent(counted, total)))
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
            change=change, trend=[(w, s) for w, s, _, _ in trend],
            reviewed=organization.id in reviewed, coverage=latest[3] if latest else None,
        )
        if band is None or row.band == band:
            rows.append(row)
    rows.sort(key=lambda r: r.risk_key)
    return rows


def search_rows(rows: list[AccountRow], search: finding.AccountSearch,
                user: User) -> tuple[list[AccountRow], dict[int, date | None]]:
    """The rows the search keeps, by risk or by the next update due, with each kept account's
    next update due: two queries."""
    kept = finding.matching_accounts(select(Organization), search, user)
    due = finding.next_update_due_by_account(kept)
    rows = [row for row in rows if row.organization.id in kept]
    if search.sort == "next_update":
        order = {org_id: i for i, org_id in enumerate(
            finding.by_next_update([row.organization.id for row in rows], due))}
        rows.sort(key=lambda row: order[row.organization.id])
    return rows, due


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
    writer.writerow(["account", "owner", "week", "score", "band", "change", "reviewed",
                     "coverage"])
    for row in rows:
        owner = row.organization.account_owner
        # Names are typed by people and made safe; the rest are our own numbers and words.
        writer.writerow([
            csv_cell(row.organization.name), csv_cell(owner.name if owner else ""),
            week_label(row.week) if row.week else "", "" if row.score is None else row.score,
            row.band.value if row.band else "not enough data" if row.not_enough_data else "",
            "" if row.change is None else row.change, "yes" if row.reviewed else "no",
            "" if row.coverage is None else f"{row.coverage}% of the weight",
        ])
    return out.getvalue()
