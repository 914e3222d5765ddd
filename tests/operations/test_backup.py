"""`flask backup` under write load and `flask restore`: every committed row comes back.
Runs on its own SQLite file whichever database the suite uses; bounded to about 2 seconds
and 3,000 rows of writing."""

import sqlite3
import threading
import time

import flask_migrate
import pytest

from portal.extensions import db
from tests.conftest import make_app


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.db'}", str(tmp_path / "instance"))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return app


class Writer(threading.Thread):
    """Commits one audit row at a time, noting each id only once its commit returned."""

    def __init__(self, path) -> None:
        super().__init__(daemon=True)
        self.path, self.committed, self.stop = path, [], threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30)
        deadline = time.monotonic() + 5
        while not self.stop.is_set() and len(self.committed) < 3000 and \
                time.monotonic() < deadline:
            cursor = connection.execute(
                "INSERT INTO audit_event (action, summary, created_at) "
                "VALUES ('load.row', 'x', '2026-01-01 00:00:00')")
            connection.commit()
            self.committed.append(cursor.lastrowid)
        connection.close()


def _ids(path) -> set[int]:
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT id FROM audit_event")}
    finally:
        connection.close()


def test_backup_under_write_load_then_restore_finds_every_committed_row(sqlite_app, tmp_path):
    live, copy = tmp_path / "live.db", tmp_path / "backup.db"
    writer = Writer(live)
    writer.start()
    while len(writer.committed) < 200 and writer.is_alive():
        time.sleep(0.01)
    committed_before = set(writer.committed)
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(copy)])
    writer.stop.set()
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    in_backup = _ids(copy)
    assert committed_before <= in_backup  # everything committed before the backup began
    assert in_backup <= set(writer.committed)  # and nothing half-written
    assert in_backup == set(range(1, max(in_backup) + 1))  # a snapshot: no gaps

    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    assert _ids(live) == in_backup


def test_restore_refuses_what_is_not_a_portal_backup_and_changes_nothing(sqlite_app, tmp_path):
    live = tmp_path / "live.db"
    before = _ids(live)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "not a SQLite database" in result.output
    old = tmp_path / "old.db"
    connection = sqlite3.connect(old)
    connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    connection.execute("INSERT INTO alembic_version VALUES ('0001')")
    connection.commit()
    connection.close()
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(old), "--yes"])
    assert result.exit_code != 0 and "schema 0001" in result.output
    assert _ids(live) == before


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:5432/unused", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output
