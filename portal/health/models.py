"""Health settings, weekly snapshots per account, alerts and weekly reviews."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db


class Metric(enum.StrEnum):
    """The connection metrics an admin chooses from (3 to 7 active at once)."""

    SATISFACTION = "satisfaction"
    LOYALTY = "loyalty"
    PROMISES = "promises"
    COMMUNICATION = "communication"
    RECOVERY = "recovery"
    ENGAGEMENT = "engagement"
    EFFORT = "effort"
    RESPONSIVENESS = "responsiveness"
    SELECTION_FIT = "selection_fit"
    CONTACT_RECENCY = "contact_recency"
    VALUES_LIVED = "values_lived"

    @property
    def label(self) -> str:
        return {"promises": "Promises kept", "selection_fit": "Selection fit",
                "contact_recency": "Contact recency", "values_lived": "Values lived"}.get(
            self.value, self.value.capitalize())


class Band(enum.StrEnum):
    """Where a score falls: green from the green threshold, red below the amber one."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def coverage_percent(weight_counted: int, weight_total: int) -> int | None:
    """The share (%) of the weight that metrics with data carry, rounded half up in integers
    (17 of 20 → 85); None when no weight was recorded."""
    if weight_total <= 0:
        return None
    return (200 * weight_counted + weight_total) // (2 * weight_total)


class Mood(enum.StrEnum):
    """How the account is going, in the reviewer's judgement."""

    GOOD = "good"
    WATCH = "watch"
    CONCERN = "concern"

    @property
    def label(self) -> str:
        return {"good": "Going well", "watch": "Needs watching",
                "concern": "Concerned"}[self.value]


class HealthSettings(db.Model):
    """The firm's one row of health settings: band thresholds and the response target."""

    __tablename__ = "health_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("amber_from >= 1 AND amber_from < green_from AND green_from <= 100",
                        name="band_order"),
        CheckConstraint("response_target_days BETWEEN 1 AND 10", name="target_range"),
        CheckConstraint("min_coverage BETWEEN 1 AND 100", name="coverage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    green_from: Mapped[int] = mapped_column(default=75)
    amber_from: Mapped[int] = mapped_column(default=50)
    response_target_days: Mapped[int] = mapped_column(default=1)
    # The share of the weight (%) that metrics with data must carry for a score to stand.
    min_coverage: Mapped[int] = mapped_column(default=50, server_default="50")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )


class MetricWeight(db.Model):
    """One metric's weight and whether it counts; a metric without a row uses its default."""

    __tablename__ = "health_metric_weight"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[Metric] = mapped_column(str_enum(Metric, "metric"), unique=True)
    weight: Mapped[int]
    active: Mapped[bool]


class HealthSnapshot(db.Model):
    """An account's score for one ISO week, computed from the data as of that Monday 00:00 UTC.

    `metrics` keeps each metric's score, raw inputs, weight and points, and the band thresholds,
    the coverage minimum and the weights counted are kept beside them, so a past week is
    explained exactly as it was scored whatever the settings are now. Below the minimum
    coverage there is no score and no band: "not enough data".
    """

    __tablename__ = "health_snapshot"
    __table_args__ = (
        UniqueConstraint("organization_id", "week_start"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("(score IS NULL) = (band IS NULL)", name="band_with_score"),
        CheckConstraint("amber_from >= 1 AND amber_from < green_from AND green_from <= 100",
                        name="band_order"),
        CheckConstraint("weight_counted BETWEEN 0 AND weight_total", name="weight_counted_range"),
        CheckConstraint("min_coverage BETWEEN 0 AND 100", name="coverage_range"),
        Index("ix_health_snapshot_week", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    week_start: Mapped[date]
    score: Mapped[int | None]
    band: Mapped[Band | None] = mapped_column(str_enum(Band, "band"))
    metrics: Mapped[list] = mapped_column(JSON, default=list)
    green_from: Mapped[int] = mapped_column(default=75)
    amber_from: Mapped[int] = mapped_column(default=50)
    min_coverage: Mapped[int] = mapped_column(default=0)  # 0: kept before there was a minimum
    weight_counted: Mapped[int] = mapped_column(default=0)  # of the metrics with data
    weight_total: Mapped[int] = mapped_column(default=0)  # of every metric counted that week
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()

    @property
    def coverage(self) -> int | None:
        """The share of the weight (%) carried by metrics with data; None if never recorded."""
        return coverage_percent(self.weight_counted, self.weight_total)

    @property
    def enough_data(self) -> bool:
        """Whether a score stands: thin data shows "not enough data", never a score."""
        return self.score is not None


class HealthAlert(db.Model):
    """A fall of 10+ points in a week, or entering red; listed on staff home until acknowledged."""

    __tablename__ = "health_alert"
    __table_args__ = (
        UniqueConstraint("organization_id", "week_start"),
        CheckConstraint("dropped_by IS NOT NULL OR entered_red", name="has_cause"),
        CheckConstraint("acknowledged_by_id IS NULL OR acknowledged_at IS NOT NULL",
                        name="acknowledged_with_time"),
        Index("ix_health_alert_open", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    week_start: Mapped[date]
    score: Mapped[int]
    previous_score: Mapped[int | None]
    dropped_by: Mapped[int | None]
    entered_red: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    organization: Mapped[Organization] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()
    # The week's snapshot as it stands now, for the coverage every list shows beside a score.
    snapshot: Mapped[HealthSnapshot | None] = relationship(
        primaryjoin="and_(HealthAlert.organization_id == foreign(HealthSnapshot.organization_id),"
                    " HealthAlert.week_start == foreign(HealthSnapshot.week_start))",
        viewonly=True, uselist=False)

    @property
    def reason(self) -> str:
        parts = []
        if self.dropped_by is not None:
            parts.append(f"fell {self.dropped_by} points ({self.previous_score} → {self.score})")
        if self.entered_red:
            parts.append(f"entered red at {self.score}")
        return " and ".join(parts).capitalize()


class HealthReview(db.Model):
    """A member of staff's weekly review of an account: one per account per ISO week."""

    __tablename__ = "health_review"
    __table_args__ = (
        UniqueConstraint("organization_id", "week_start"),
        CheckConstraint("next_action <> ''", name="next_action_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    week_start: Mapped[date]
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    mood: Mapped[Mood] = mapped_column(str_enum(Mood, "mood"))
    note: Mapped[str] = mapped_column(Text, default="")
    next_action: Mapped[str] = mapped_column(String(300))
    next_action_on: Mapped[date]
    score: Mapped[int | None]  # the account's score when reviewed, for the history
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    reviewer: Mapped[User | None] = relationship()
