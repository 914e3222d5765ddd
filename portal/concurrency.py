"""Read-check-write without lost updates, in one place for every feature.

A service that reads what a client sees, checks a rule on it and writes a change (a later ETA
needs a reason; a correction keeps the text it replaces) first calls lock() on the rows it reads:
they are read again and held until the request commits, so the check sees what is really there
and no one else changes them in between. On PostgreSQL that is SELECT ... FOR NO KEY UPDATE
(other writers of those rows wait; inserting their children, such as a client's question, does
not). SQLite has one writer at a time: the request takes the write lock with BEGIN IMMEDIATE and
reads the rows again inside that transaction (pysqlite opens a transaction only at the first
write, so nothing read before it can go stale inside it). Lock a project before its own rows
(milestones, updates, closeout), so two requests always wait for each other in the same order.
A row deleted meanwhile raises DeletedMeanwhile, for the view to say so rather than fail.

A list whose order is counted from all its rows (the next position of a value or a process step)
has no one row to lock: every writer that counts it calls lock_table() first, which lets one
such request at a time through until it commits.

A form that edits such rows carries edit_version() of exactly the fields it shows, in a hidden
field. The service compares it, under the lock, with the version of what is there now; a
difference raises ChangedMeanwhile, and the view hands the form back with the person's words
and the current state. It is a fingerprint of the fields rather than a counter, so a change the
form does not show (a client's question, another milestone's title) refuses nothing, and no
service can forget to bump it.
"""

import hashlib
import json
import zlib

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import InvalidRequestError
from wtforms import HiddenField

from portal.extensions import db
from portal.forms import PortalForm

CHANGED_MEANWHILE = "This changed while you were editing: here is the current state."


class ChangedMeanwhile(Exception):
    """Someone saved a change to what the form shows after it was opened; nothing was saved."""

    def __init__(self, current_version: str) -> None:
        super().__init__(CHANGED_MEANWHILE)
        self.current_version = current_version


class DeletedMeanwhile(Exception):
    """Someone deleted the row after this request read it; nothing was saved."""

    def __init__(self, row: db.Model) -> None:
        super().__init__(f"{type(row).__name__} was deleted meanwhile")
        self.row = row


def lock(*rows: db.Model) -> None:
    """Read the rows again and hold them until commit: checks made now stay true until then."""
    _write_lock()
    for row in rows:
        try:
            # OF the row's own table: a row loaded with a joined eager load (the signed-in
            # user and their organisation) is refreshed the same way, and PostgreSQL cannot
            # lock the nullable side of that outer join.
            db.session.refresh(row, with_for_update={"key_share": True, "of": type(row)})
        except InvalidRequestError:
            if not inspect(row).persistent:
                raise  # never a saved row: a mistake in the caller, not a race
            raise DeletedMeanwhile(row) from None


def lock_table(model: type[db.Model]) -> None:
    """Hold every other lock_table() of the model's table until commit: what counts its rows
    (the next place, a name already taken) is counted by one request at a time."""
    connection = _write_lock()
    if connection.dialect.name == "postgresql":
        # A transaction-scoped advisory lock named after the table, not LOCK TABLE: an
        # EXCLUSIVE table lock queued ahead of other requests' foreign-key checks (row share
        # locks on the same table) and deadlocked with them when two kinds of create raced.
        key = zlib.crc32(model.__table__.name.encode())
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _write_lock() -> Connection:
    """This request's connection, holding SQLite's one write lock (PostgreSQL locks per row)."""
    db.session.flush()  # a refresh would otherwise drop changes not yet written
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits for the write lock (busy timeout)
    return connection


def edit_version(*values: object) -> str:
    """A short fingerprint of the values a form edits; it changes when any of them does."""
    text = json.dumps(values, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_version(seen: str | None, current: str) -> None:
    """Refuse a form opened on another state than `current`. None: the caller showed no form
    (a job, the CLI, a script), and the locked check of the rules is all there is."""
    if seen is not None and seen != current:
        raise ChangedMeanwhile(current)


class VersionedForm(PortalForm):
    """A form over rows others may change meanwhile: it carries the version it was opened on."""

    edit_version = HiddenField()

    def opened_on(self, version: str) -> None:
        """Note the version of what the page shows; a submitted form keeps the one it carried."""
        if not self.is_submitted():
            self.edit_version.data = version

    def seen_version(self) -> str | None:
        """The version the person saw when they opened the form; None when none was sent."""
        return self.edit_version.data or None

    def show_current(self, changed: ChangedMeanwhile) -> None:
        """After a refusal, carry the version now shown: submitting again is checked against it."""
        self.edit_version.data = changed.current_version
