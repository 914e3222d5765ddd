"""The admin's health settings: which 3 to 7 metrics count, their weights and the bands.

Functions flush, never commit; views, the CLI and the weekly job commit once.
"""

from sqlalchemy import select

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock_table
from portal.db import utcnow
from portal.extensions import db
from portal.health.models import HealthSettings, Metric, MetricWeight
from portal.health.scoring import (
    DEFAULT_ACTIVE,
    DEFAULT_CONFIG,
    DEFAULT_WEIGHTS,
    MAX_ACTIVE,
    MIN_ACTIVE,
    HealthConfig,
)
from portal.touchpoints.models import DEFAULT_CONTACT_DAYS, TouchpointSettings


class HealthError(ValueError):
    """A health rule refused the change; the message is for the user."""


class ActiveCountError(HealthError):
    """Fewer than 3 or more than 7 metrics were chosen."""

    def __init__(self, count: int) -> None:
        super().__init__(f"Choose between {MIN_ACTIVE} and {MAX_ACTIVE} metrics; "
                         f"{count} {'was' if count == 1 else 'were'} chosen.")


def current_config() -> HealthConfig:
    """The admin's settings, with defaults for anything never saved (two small queries)."""
    settings = db.session.get(HealthSettings, 1)
    rows = {w.metric: w for w in db.session.scalars(select(MetricWeight))}
    weights = {m: rows[m].weight if m in rows else DEFAULT_WEIGHTS[m] for m in Metric}
    active = tuple(m for m in Metric if (rows[m].active if m in rows else m in DEFAULT_ACTIVE))
    contact = db.session.get(TouchpointSettings, 1)
    contact_days = contact.contact_days if contact else DEFAULT_CONTACT_DAYS
    if settings is None:
        return HealthConfig(weights=weights, active=active, contact_target_days=contact_days)
    return HealthConfig(weights=weights, active=active, green_from=settings.green_from,
                        amber_from=settings.amber_from,
                        response_target_days=settings.response_target_days,
                        min_coverage=settings.min_coverage, contact_target_days=contact_days)


def config_version(config: HealthConfig) -> str:
    """The version of what the settings form shows: every weight, the metrics that count and
    the thresholds."""
    return edit_version(config.weights, config.active, config.green_from, config.amber_from,
                        config.response_target_days, config.min_coverage)


def save_config(*, weights: dict[Metric, int], active: set[Metric], green_from: int,
                amber_from: int, response_target_days: int, by: User,
                min_coverage: int = DEFAULT_CONFIG.min_coverage,
                seen: str | None = None) -> HealthConfig:
    """Store weights, the active metrics (3 to 7) and thresholds; bad values change nothing.

    `seen` is the config_version() the form was opened on; refused if it changed since.
    """
    if not MIN_ACTIVE <= len(active) <= MAX_ACTIVE:
        raise ActiveCountError(len(active))
    if not 1 <= amber_from < green_from <= 100:
        raise HealthError("Amber must start below green, and both between 1 and 100.")
    if not 1 <= min_coverage <= 100:
        raise HealthError("The minimum coverage must be between 1% and 100% of the weight.")
    if any(not 1 <= weights[m] <= 100 for m in Metric):
        raise HealthError("Every weight must be between 1 and 100.")
    lock_table(HealthSettings)  # one row, perhaps not there yet: two first saves would both add it
    check_version(seen, config_version(current_config()))
    settings = db.session.get(HealthSettings, 1) or HealthSettings(id=1)
    settings.green_from, settings.amber_from = green_from, amber_from
    settings.response_target_days, settings.min_coverage = response_target_days, min_coverage
    settings.updated_at, settings.updated_by_id = utcnow(), by.id
    db.session.add(settings)
    rows = {w.metric: w for w in db.session.scalars(select(MetricWeight))}
    for metric in Metric:
        row = rows.get(metric) or MetricWeight(metric=metric)
        row.weight, row.active = weights[metric], metric in active
        db.session.add(row)
    audit.record("health.settings_changed", actor=by, summary=", ".join(
        f"{m.value} {weights[m]}" for m in Metric if m in active)
        + f"; green from {green_from}, amber from {amber_from}; "
        f"a score needs {min_coverage}% of the weight")
    db.session.flush()
    return current_config()
