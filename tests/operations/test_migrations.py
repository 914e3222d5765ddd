"""Migrations go up, down and up again, empty and full of data, and the models match them,
on each database."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import CheckConstraint, create_engine, func, inspect, make_url, select, text

from portal.devdata import demo
from portal.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_app, sign_in


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of the kind under test, apart from the suite's shared one."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(TEST_DATABASE_URL)
    scratch = url.set(database=f"{url.database}_migrations")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
        connection.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    yield scratch.render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
    server.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _missing_check_constraints() -> set[str]:
    """CHECK constraints the models declare but the migrated database lacks (autogenerate
    does not compare these, so it is done here)."""
    inspector = inspect(db.engine)
    declared = {
        (table.name, constraint.name)
        for table in db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    present = {
        (table, constraint["name"])
        for table in {name for name, _ in declared}
        for constraint in inspector.get_check_constraints(table)
    }
    return {f"{table}.{name}" for table, name in declared - present}


def _pending_changes() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_and_upgrade_again(scratch_database_url, tmp_path):
    app = make_app(scratch_database_url, str(tmp_path))
    expected = {table.name for table in db.metadata.sorted_tables}
    with app.app_context():
        flask_migrate.upgrade()
        assert _tables() == expected
        flask_migrate.downgrade(revision="base")
        assert _tables() == set()
        flask_migrate.upgrade()
        assert _tables() == expected
        db.engine.dispose()


def test_the_models_match_the_migrations(scratch_database_url, tmp_path):
    app = make_app(scratch_database_url, str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        assert _pending_changes() == []
        assert _missing_check_constraints() == set()
        db.engine.dispose()


def _revisions_from_first_to_head() -> list[str]:
    """Every revision id, oldest first, as alembic's script directory lists them."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return [script.revision for script in reversed(list(
        ScriptDirectory.from_config(config).walk_revisions()))]


def _row_counts(tables: set[str]) -> dict[str, int]:
    """How many rows each of these tables holds."""
    with db.engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                for name in sorted(tables)}


def test_every_migration_goes_down_and_up_again_with_the_demo_data_in_it(
    scratch_database_url, tmp_path
):
    app = make_app(scratch_database_url, str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo()
        db.session.commit()
        revisions = _revisions_from_first_to_head()
        loaded = _row_counts(_tables())
        for revision in reversed(revisions[:-1]):  # every downgrade runs on populated tables
            flask_migrate.downgrade(revision=revision)
        throughout = _tables()
        assert {"organization", "user_account", "project"} <= throughout
        assert _row_counts(throughout) == {name: loaded[name] for name in throughout}
        for revision in revisions[1:]:  # every upgrade runs against populated older tables
            flask_migrate.upgrade(revision=revision)
        assert _row_counts(throughout) == {name: loaded[name] for name in throughout}
        assert _pending_changes() == []
        demo.load_demo()
        db.session.commit()
        assert _row_counts(throughout) == {name: loaded[name] for name in throughout}
    browser = app.test_client()
    assert sign_in(browser, "client@acme.example", demo.DEFAULT_PASSWORD).status_code == 302
    assert browser.get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()  # the requests' connections too, before the database is dropped


def test_users_deactivated_before_the_spans_existed_get_one_from_their_audit_event(
        scratch_database_url, tmp_path):
    app = make_app(scratch_database_url, str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade(revision="0017_sign_in_throttle")
        with db.engine.begin() as connection:
            for email, created in (("gone@x.example", "2026-09-01"),
                                   ("old@x.example", "2026-08-01"),
                                   ("here@x.example", "2026-07-01")):
                connection.execute(text(
                    "INSERT INTO user_account (email, name, role, active, session_version, "
                    "created_at, update_emails) VALUES (:email, 'N', 'staff', :active, 1, "
                    ":created, 'immediate')"),
                    {"email": email, "active": email == "here@x.example",
                     "created": f"{created} 09:00:00+00:00"})
            connection.execute(text(
                "INSERT INTO audit_event (action, target_type, target_id, summary, created_at) "
                "SELECT 'user.deactivated', 'User', id, '', '2026-11-20 10:00:00+00:00' "
                "FROM user_account WHERE email = 'gone@x.example'"))
        flask_migrate.upgrade()
        spans = db.session.execute(text(
            "SELECT u.email, d.deactivated_at, d.reactivated_at FROM user_deactivation d "
            "JOIN user_account u ON u.id = d.user_id ORDER BY u.email")).all()
        db.session.remove()
        db.engine.dispose()
    # Deactivated when the log says so; without a log entry, since they were created.
    assert [(email, str(at)[:10], back) for email, at, back in spans] == [
        ("gone@x.example", "2026-11-20", None), ("old@x.example", "2026-08-01", None)]
