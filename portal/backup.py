"""Backups of the SQLite database while the portal runs, and restores that check first.

SQLite's online backup API copies the database page by page inside one read transaction,
so the copy is a consistent snapshot even while workers keep writing (WAL mode lets them).
A restore copies the checked backup into the live database through the same API, under
SQLite's own locks, so running workers never see a half-replaced file.
PostgreSQL is backed up with pg_dump instead (docs/security.md).
"""

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import make_url

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(RuntimeError):
    """The backup or restore cannot be made; the message says why and what to do."""


def live_database_path() -> Path:
    """The SQLite file the app uses; PostgreSQL is pg_dump's job."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("This command backs up SQLite. For PostgreSQL use pg_dump "
                          "(pg_dump --format=custom --file=portal.dump DATABASE_URL).")
    return Path(url.database)


def schema_head() -> str:
    """The migration revision this code expects."""
    directory = current_app.extensions["migrate"].directory
    return ScriptDirectory(directory).get_current_head()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def check_backup_file(path: Path, *, revision: str) -> None:
    """A readable, intact SQLite database at the schema revision this code runs."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database.")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (integrity check failed).")
        try:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a portal database.") from error
    finally:
        connection.close()
    if not found or found[0] != revision:
        raise BackupError(f"{path} is at schema {found[0] if found else 'none'}, this portal at "
                          f"{revision}: restore it with the matching version, then upgrade.")


def backup_sqlite(destination: Path) -> Path:
    """Copy the live database to `destination`, consistently, while the app keeps running."""
    source_path = live_database_path()
    destination = destination / source_path.name if destination.is_dir() else destination
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose a new file name.")
    draft = destination.with_name(destination.name + ".partial")
    source, target = _connect(source_path), sqlite3.connect(draft)
    try:
        source.backup(target)  # all pages in one step: one snapshot
    finally:
        target.close()
        source.close()
    check_backup_file(draft, revision=schema_head())
    draft.rename(destination)
    return destination


def restore_sqlite(backup: Path) -> Path:
    """Replace the live database's contents with a checked backup."""
    check_backup_file(backup, revision=schema_head())
    live_path = live_database_path()
    source, target = sqlite3.connect(f"file:{backup}?mode=ro", uri=True), _connect(live_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return live_path
