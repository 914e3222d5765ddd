"""The admin's selection settings (expiry and retention days) and the reasons clients
choose from for “not a fit”. Functions flush; the caller commits."""


from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.selection.models import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_RETENTION_DAYS,
    RejectionReason,
    SelectionSettings,
)
from portal.selection.profiles import SelectionError

SETTINGS_ID = 1


DEFAULT_REASONS = ("Skills", "Experience", "Salary", "Location", "Culture", "Other")


def seed_defaults() -> None:
    """The settings row and the first reasons, as the migration seeds them, where missing
    (a database emptied by hand or by tests)."""
    if db.session.get(SelectionSettings, SETTINGS_ID) is None:
        db.session.add(SelectionSettings(id=SETTINGS_ID))
    if db.session.scalar(select(func.count(RejectionReason.id))) == 0:
        db.session.add_all(RejectionReason(label=label, position=position)
                           for position, label in enumerate(DEFAULT_REASONS))
    db.session.flush()


def get_settings() -> SelectionSettings:
    """The selection settings row (the migration seeds it; defaults if it was removed)."""
    return db.session.get(SelectionSettings, SETTINGS_ID) or SelectionSettings(
        id=SETTINGS_ID, expiry_days=DEFAULT_EXPIRY_DAYS, retention_days=DEFAULT_RETENTION_DAYS)


def update_settings(*, expiry_days: int, retention_days: int, by: User) -> SelectionSettings:
    """Save how long presented candidates show to the client and how long they are kept."""
    settings = get_settings()
    settings.expiry_days, settings.retention_days = expiry_days, retention_days
    db.session.add(settings)
    db.session.flush()
    audit.record("selection.settings_changed", actor=by,
                 summary=f"expiry {expiry_days} days, retention {retention_days} days")
    return settings


def active_reasons() -> list[RejectionReason]:
    """The reasons a client may choose for "not a fit", in the admin's order."""
    return list(db.session.scalars(select(RejectionReason).where(
        RejectionReason.retired_at.is_(None)).order_by(RejectionReason.position,
                                                       RejectionReason.id)))


def add_reason(label: str, *, by: User) -> RejectionReason:
    """Add a reason to the list clients choose from."""
    label = " ".join(label.split())
    if not label:
        raise SelectionError("Give the reason's wording.", field="label")
    taken = db.session.scalar(select(RejectionReason).where(
        func.lower(RejectionReason.label) == label.lower()))
    if taken is not None:
        if taken.retired_at is None:
            raise SelectionError(f"“{label}” is on the list already.", field="label")
        taken.retired_at = None  # back on the list
        reason = taken
    else:
        position = db.session.scalar(select(func.coalesce(func.max(RejectionReason.position),
                                                          -1))) + 1
        reason = RejectionReason(label=label, position=position)
        db.session.add(reason)
    db.session.flush()
    audit.record("selection.reason_added", actor=by, summary=label)
    return reason


def retire_reason(reason: RejectionReason, *, by: User) -> None:
    """Take a reason off the list; decisions that gave it keep it."""
    if len(active_reasons()) <= 1 and reason.retired_at is None:
        raise SelectionError("Keep at least one reason on the list.", field="label")
    reason.retired_at = reason.retired_at or utcnow()
    db.session.flush()
    audit.record("selection.reason_retired", actor=by, summary=reason.label)
