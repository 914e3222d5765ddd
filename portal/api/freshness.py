"""Versions of the tables the API reads, raised by every transaction that writes one of them.

Each worker keeps the API's answers (portal/api/kept.py). An answer stays good while the
tables it was read from have not been written since, and the worker learns that from one
column read in the same statement as the caller's key: the sum of those tables' versions. So a
change shows on the next request in every worker and on every machine, and revoking a key
stops it (api_key is watched too; a key's last use, noted once a minute, raises nothing). With
Redis, a commit that raised versions also raises a count there (portal/api/write_count.py),
and a worker reads the key and the versions again only when that count moved, or a second on.

Writes are noticed on the engine, whatever made them: the ORM's flush, a bulk update, text SQL
(a text statement that writes counts as a write to every watched table). At commit the
versions of the tables written are raised on the same connection, inside the transaction, so
no reader sees new versions with old rows, on SQLite or PostgreSQL; a rollback forgets what
it wrote. Tables are raised in name order, so two writers never wait on each other's rows in
opposite orders.
"""

import logging
from collections.abc import Callable

from sqlalchemy import (
    Engine,
    ScalarSelect,
    Table,
    TextClause,
    event,
    func,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.pool import Pool

from portal.api.models import DataVersion

WRITTEN = "api.tables_written"  # connection info key: watched tables this transaction wrote
RAISED = "api.versions_raised"  # connection info key: a commit on it raised versions
SEEN = "api.versions_seen"  # connection info key: the schema generation data_version was seen in
OFF = "portal_table_versions"  # execution option: False on the migrations' connection
RAISING = "portal_raising_versions"  # execution option of the statement raising versions
UNSHOWN = "portal_write_unshown"  # execution option of a write no answer shows (a key's last use)
WRITING_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "WITH", "TRUNCATE")

log = logging.getLogger(__name__)
_watched: set[str] = set()
_schema = {"generation": 0}  # raised when this process migrates: data_version may be gone


def watch(*tables: Table) -> tuple[str, ...]:
    """Keep versions of these tables (the API reads them); their names, sorted."""
    names = tuple(sorted(table.name for table in tables))
    _watched.update(names)
    return names


def watched() -> frozenset[str]:
    """Every table whose version is kept."""
    return frozenset(_watched)


def stamp(names: tuple[str, ...]) -> ScalarSelect:
    """A column: the sum of these tables' versions, which rises whenever one is written."""
    # The names written into the SQL, not bound: nothing to expand on every execution.
    listed = [literal_column(f"'{_checked(name)}'") for name in names]
    return (select(func.coalesce(func.sum(DataVersion.version), literal_column("0")))
            .where(DataVersion.table_name.in_(listed)).scalar_subquery())


def _checked(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a table name: {name!r}")
    return name


def tables_written(statement: str, context) -> set[str]:
    """The watched tables a statement writes."""
    compiled = getattr(context, "compiled", None)
    if compiled is not None and not isinstance(compiled.statement, TextClause):
        if not (context.isinsert or context.isupdate or context.isdelete):
            return set()
        name = getattr(getattr(compiled.statement, "table", None), "name", None)
        return {name} & _watched if name else set(_watched)
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return set(_watched) if verb in WRITING_VERBS else set()


def raising(names: list[str]) -> str:
    """The statement raising these tables' versions (names of our own tables, checked)."""
    rows = ", ".join(f"('{_checked(name)}', 1)" for name in names)
    return (f"INSERT INTO data_version (table_name, version) VALUES {rows} "  # noqa: S608
            "ON CONFLICT (table_name) DO UPDATE SET version = data_version.version + 1")


def schema_migrated() -> None:
    """The schema changed in this process (migrations/env.py): look for data_version again."""
    _schema["generation"] += 1


def _versions_kept(conn) -> bool:
    """Whether this database has data_version yet (a database at an older revision, written
    before it is migrated, has none); asked once per connection and schema generation."""
    if conn.info.get(SEEN) == _schema["generation"]:
        return True
    present = inspect(conn).has_table(DataVersion.__tablename__)
    if present:
        conn.info[SEEN] = _schema["generation"]
    return present


@event.listens_for(Engine, "after_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if not conn.get_execution_options().get(OFF, True) or (context is not None and (
            context.execution_options.get(RAISING) or context.execution_options.get(UNSHOWN))):
        return
    written = tables_written(statement, context)
    if written:
        conn.info.setdefault(WRITTEN, set()).update(written)


@event.listens_for(Engine, "commit")
def _raise_versions(conn) -> None:
    written = conn.info.pop(WRITTEN, None)
    if written and _versions_kept(conn):  # the transaction is still open: its last statement
        conn.exec_driver_sql(raising(sorted(written)), execution_options={RAISING: True})
        conn.info[RAISED] = True


@event.listens_for(Engine, "rollback")
def _forget_writes(conn) -> None:
    conn.info.pop(WRITTEN, None)


@event.listens_for(Pool, "checkin")
def _forget_on_return(dbapi_connection, connection_record) -> None:
    # A session closed without committing is rolled back by the pool, not by a Connection.
    connection_record.info.pop(WRITTEN, None)


def after_raising(engine: Engine, tell: Callable[[], None]) -> None:
    """Call `tell` whenever a connection of this engine whose commit raised versions is back in
    its pool: after that commit, which no engine event follows. A session gives its connection
    back as it commits, so before the writer's answer is sent; a Connection kept open after its
    commit tells only when closed (the portal writes through the session)."""

    def told(dbapi_connection, connection_record) -> None:
        if connection_record.info.pop(RAISED, False):
            try:
                tell()
            except Exception:  # an error here would keep the connection out of the pool
                log.exception("Telling of raised versions failed")

    event.listen(engine, "checkin", told)
