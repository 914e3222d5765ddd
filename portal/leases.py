"""Claiming the next row of a table the workers drain (the email outbox, webhook deliveries):
one due row is taken atomically and leased to the worker that took it.

Both queues hold rows that are `pending` until due, `sending` while a worker has them, and go
back to the queue when a worker stays silent past its lease. They live in different features,
so the one way of taking a row lives here, beside the other shared database helpers.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from portal.extensions import db


def claim_next(model: type[db.Model], *, now: datetime, lease_seconds: int,
               only: tuple[ColumnElement[bool], ...] = ()) -> int | None:
    """Atomically take one due row of `model` (and `only` those): pending and due, or sending
    for a worker whose lease expired; it becomes sending, claimed now, one attempt more, and
    the claim is committed. PostgreSQL skips rows another worker is claiming (FOR UPDATE SKIP
    LOCKED); SQLite serialises writers."""
    lease_expired = now - timedelta(seconds=lease_seconds)
    due = (
        select(model.id)
        .where(*only, or_(
            (model.status == "pending") & (model.next_attempt_at <= now),
            (model.status == "sending") & (model.claimed_at <= lease_expired),
        ))
        .order_by(model.next_attempt_at, model.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(model)
        .where(model.id == due)
        .values(status="sending", claimed_at=now, attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return claimed
