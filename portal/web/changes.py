"""The one change tracker: a project's `version` goes up with every change its client can see.

Clients' pages are cached, and their open pages poll, by project version (the page cache's
keys, the ETag of /live), so a change that forgot to bump it would show a client stale data.
Nothing calls a bump by hand: features mark their models instead, and every flush is read here.

- A ClientVisible row inserted, deleted or changed in anything but its `internal_fields` bumps
  the project whose pages show it (`shown_on`).
- A ShownPerson (a user) whose `shown_fields` change bumps every project whose rows name them
  (the ClientVisible models' `names_people` columns: a project's contact, a step's owner).
- An ORM bulk UPDATE or DELETE of a ClientVisible model bumps the projects of the rows it hit.
- A ShownOnProjects row (a client account) whose `shown_fields` change bumps every project
  that belongs to it (the project table's `projects_key` column names the row).
- A ShownEverywhere row (a setting of what clients see on every project) inserted or changed
  bumps every project.

Why before_flush: the bump is written by the flush that writes the change. A project already in
the session gets `version = version + 1` as an SQL expression, so it goes out in the project's
own UPDATE when the project changed too (no extra statement), and two requests at once both
count (no lost bump). What the listener sets is written by the same flush, which calls it once,
so it cannot recurse; `version` is not a field that bumps, and after the flush the project is
clean, so the next flush of the transaction does not bump it again. Projects not in the session
are bumped with one lightweight UPDATE ... WHERE id IN (...).

This module imports no feature: it knows the project table by name only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from sqlalchemy import column, event, inspect, or_, select, table, union, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from portal.extensions import db

PROJECTS = table("project", column("id"), column("version"), column("organization_id"))


class ClientVisible:
    """A model whose rows clients see on a project's pages: changing one bumps the project."""

    # Attributes only staff see (internal notes, cached renders): a change to these alone
    # bumps nothing, so clients' caches do not churn.
    internal_fields: ClassVar[frozenset[str]] = frozenset()
    # Columns naming a user the client sees with the row: their new name bumps the project.
    names_people: ClassVar[tuple[str, ...]] = ()
    # The column holding the id of the project whose pages show the row (None: there is none,
    # and bulk statements on the model are refused).
    project_key: ClassVar[str | None] = "project_id"

    def shown_on(self) -> Any:
        """The project whose pages show this row: the Project if loaded, else its id."""
        return getattr(self, "project", None) or getattr(self, self.project_key)


class ShownPerson:
    """A model of people clients see named on projects: a change to `shown_fields` bumps every
    project whose rows name the person (ClientVisible.names_people)."""

    shown_fields: ClassVar[frozenset[str]] = frozenset()


class ShownOnProjects:
    """A model whose rows own projects and show on all their pages (an account's name, owner
    and timezone): a change to `shown_fields` bumps every project the row owns."""

    shown_fields: ClassVar[frozenset[str]] = frozenset()
    # The project table's column holding the id of the row that owns the project.
    projects_key: ClassVar[str] = "organization_id"


class ShownEverywhere:
    """A model of settings that change what clients see on every project's pages (which
    figures show): inserting or changing a row bumps every project."""


def client_visible_models() -> list[type[ClientVisible]]:
    """Every mapped model marked ClientVisible."""
    return [m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, ClientVisible)]


@functools.cache
def _project_model() -> type:
    """The mapped class of the project table (found by name: no feature is imported here)."""
    return next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == "project")


def _changed(row: object, keys: Iterable[str]) -> bool:
    """Whether any of these attributes of the row has a change waiting to be written."""
    attrs = inspect(row).attrs
    return any(attrs[key].history.has_changes() for key in keys)


def _visibly_changed(row: object) -> bool:
    """Whether a change to this row waiting to be written is one a client sees."""
    if isinstance(row, ShownPerson | ShownOnProjects):
        return _changed(row, row.shown_fields)
    if isinstance(row, ClientVisible):
        keys = inspect(row).mapper.attrs.keys()
        return _changed(row, (key for key in keys if key not in row.internal_fields))
    return False


def _seen_changes(
    session: Session,
) -> Iterator[ClientVisible | ShownPerson | ShownOnProjects]:
    """The rows of this flush whose change a client can see."""
    for row in (*session.new, *session.deleted):
        if isinstance(row, ClientVisible):
            yield row
    for row in session.dirty:
        if _visibly_changed(row):
            yield row


@event.listens_for(db.session, "before_flush")
def _bump_before_flush(session: Session, flush_context, instances) -> None:
    """Bump the version of every project whose client-visible rows this flush changes."""
    if any(isinstance(row, ShownEverywhere) and (row in session.new or session.is_modified(row))
           for row in (*session.new, *session.dirty)):
        _bump_every_project(session)
    projects, people, owners = [], set(), {}
    for row in _seen_changes(session):
        if isinstance(row, ShownPerson):
            people.add(inspect(row).identity[0])
        elif isinstance(row, ShownOnProjects):
            owners.setdefault(row.projects_key, set()).add(inspect(row).identity[0])
        else:
            projects.append(row.shown_on())
    if people:
        _bump_naming(session, people)
    for key, ids in owners.items():
        _bump_owned(session, key, ids)
    _bump(session, projects)


def _bump(session: Session, projects: Iterable[Any]) -> None:
    """Bump these projects (Project objects or ids) once each; new or deleted ones have no
    version to bump."""
    model, loaded, ids = _project_model(), {}, set()
    for project in projects:
        if isinstance(project, int):
            project = session.identity_map.get(identity_key(model, project)) or project
        if isinstance(project, int):
            ids.add(project)
        elif project is not None:
            loaded[id(project)] = project
    for project in loaded.values():
        state = inspect(project)
        if state.persistent and project not in session.deleted:
            project.version = model.version + 1
    if ids:
        session.connection().execute(
            update(PROJECTS).where(PROJECTS.c.id.in_(ids)).values(version=PROJECTS.c.version + 1)
        )


def _bump_every_project(session: Session) -> None:
    """Bump every project in one UPDATE; in-session copies reload their version."""
    session.connection().execute(update(PROJECTS).values(version=PROJECTS.c.version + 1))
    model = _project_model()
    for row in list(session.identity_map.values()):
        if isinstance(row, model):
            session.expire(row, ["version"])


def _bump_owned(session: Session, key: str, owners: set[int]) -> None:
    """Bump every project whose `key` column names one of these rows; in-session copies
    reload."""
    session.connection().execute(
        update(PROJECTS).where(PROJECTS.c[key].in_(owners))
        .values(version=PROJECTS.c.version + 1)
    )
    _expire_project_versions(session)


def _expire_project_versions(session: Session) -> None:
    """Projects in the session read their version again after a bump by statement."""
    model = _project_model()
    for row in list(session.identity_map.values()):
        if isinstance(row, model):
            session.expire(row, ["version"])


def _bump_naming(session: Session, people: set[int]) -> None:
    """Bump every project whose rows name one of these people; in-session copies reload."""
    naming = [
        select(getattr(model, model.project_key)).where(
            or_(*(getattr(model, name).in_(people) for name in model.names_people)))
        for model in client_visible_models() if model.names_people
    ]
    session.connection().execute(
        update(PROJECTS).where(PROJECTS.c.id.in_(union(*naming)))
        .values(version=PROJECTS.c.version + 1)
    )
    model = _project_model()
    for row in list(session.identity_map.values()):
        if isinstance(row, model):
            session.expire(row, ["version"])


@event.listens_for(db.session, "do_orm_execute")
def _bump_after_bulk(state: ORMExecuteState) -> Any:
    """A bulk UPDATE or DELETE of client-visible rows bumps their projects (read first)."""
    model = state.bind_mapper.class_ if state.bind_mapper is not None else None
    if not (state.is_update or state.is_delete) or not (
        model is not None and issubclass(model, ClientVisible)
    ):
        return None
    if model.project_key is None:
        raise TypeError(f"a bulk statement on {model.__name__} would bypass the change "
                        "tracker: change its rows through the session")
    hit = select(getattr(model, model.project_key))
    if state.statement.whereclause is not None:
        hit = hit.where(state.statement.whereclause)
    projects = set(state.session.scalars(hit))
    result = state.invoke_statement()
    if result.rowcount:
        _bump(state.session, projects)
    return result
