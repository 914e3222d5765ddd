"""Migrations go up, down and up again, and the models match them, on each database."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, create_engine, inspect, make_url, text

from portal.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_app


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
