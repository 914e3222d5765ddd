"""Alembic environment: runs against the app's own engine and metadata (Flask-Migrate)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

from portal.api import freshness
from portal.db import UTCDateTime

config = context.config
if config.config_file_name:
    # Keep the app's loggers (and pytest's capture) working after a migration.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = migrate_ext.db.metadata


def _render_item(type_, obj, autogen_context):
    """Write portal's column types as the plain SQLAlchemy types they store, so revisions
    never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _skip_empty_autogenerate(context, revision, directives) -> None:
    """Never write an empty revision when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection) -> Iterator[None]:
    """Batch mode alters a SQLite table by copying it and dropping the old one; with foreign
    keys on, that drop would delete (ON DELETE CASCADE) or refuse the rows pointing at it.
    So they are off while migrating (SQLite ignores the pragma inside a transaction, hence
    the commit first), and every reference is checked afterwards. Each migration has been
    committed by then, so a failed check cannot undo it: it says so, and what to do."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
        raise RuntimeError("SQLite kept foreign keys on; migrating now could delete rows")
    connection.commit()  # no transaction left open: Alembic then opens and commits its own
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(
                f"after migrating, rows point at nothing: {broken[:5]}; restore the backup "
                "taken before the upgrade (flask --app portal restore) and report this"
            )
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.commit()


def run_migrations_online() -> None:
    """Migrate the app's database; batch mode lets SQLite alter tables."""
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options.setdefault("render_item", _render_item)
    # No table versions while migrating (portal/api/freshness.py): their table may not exist yet,
    # and after a migration it may be gone (a downgrade), so it is looked for again.
    freshness.schema_migrated()
    with (engine.connect().execution_options(portal_table_versions=False) as connection,
          _sqlite_foreign_keys_off(connection)):
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
