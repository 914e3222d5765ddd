"""Facts every signed-in page shows, read in the same statement as the signed-in user.

Each page's header shows the firm's branding and, for a client with a pulse waiting, the
pulse banner. Read on their own these were two statements per page, beside the user's: the
features now declare them here as scalar columns (add_fact), the user loader adds them to the
statement it runs anyway, and the features read them back with known(). So a cached page
costs the user's statement and its own version, and nothing can be stale: every value is read
from the database on every request, as before, only in one round trip instead of three; no
worker keeps a copy another worker would have to be told about.

A request that writes anything reads the facts afresh (the listener below forgets them at the
first flush): a page rendered after a change, such as the thanks page after a pulse is
answered or the settings page after a new name is saved, shows the change. Polls, which show
neither, do not read them.

This module imports no feature: features hand it their columns.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import ColumnElement, Select, event

from portal.extensions import db

FACTS = "facts.declared"  # app.extensions key: the facts features declared
BUILT = "facts.built"  # app.extensions key: their columns, built once
COMPOSED = "facts.composed"  # app.extensions key: user statements with the facts
KNOWN = "facts"  # g key: this request's facts, by name


@dataclass(frozen=True)
class Fact:
    """Scalar columns (correlated to nothing; the user's id is the `user_id` bind parameter),
    built on first use when every model is mapped, and the other parameters they bind."""

    name: str
    columns: Callable[[], Sequence[ColumnElement]]
    params: Callable[[], dict[str, Any]] = field(default=dict)


def add_fact(app: Flask, fact: Fact) -> None:
    """Read `fact` with the signed-in user on every page of this app that is not a poll."""
    app.extensions.setdefault(FACTS, []).append(fact)


def with_facts(stmt: Select) -> tuple[Select, dict[str, Any]]:
    """The user's statement with every declared fact's columns added (composed once per app
    and statement: composing costs more than running it), and the facts' parameters."""
    params: dict[str, Any] = {}
    for fact in current_app.extensions.get(FACTS, []):
        params.update(fact.params())
    composed = current_app.extensions.setdefault(COMPOSED, {})
    if stmt not in composed:
        composed[stmt] = stmt.add_columns(
            *(column for built in _columns().values() for column in built))
    return composed[stmt], params


def _columns() -> dict[str, Sequence[ColumnElement]]:
    """Each declared fact's columns, built once per app."""
    built = current_app.extensions.get(BUILT)
    if built is None:
        built = {fact.name: fact.columns() for fact in current_app.extensions.get(FACTS, [])}
        current_app.extensions[BUILT] = built
    return built


def remember(values: Sequence[Any]) -> None:
    """Keep this request's facts: the values of their columns, in the order with_facts added
    them."""
    known, rest = {}, list(values)
    for name, columns in _columns().items():
        known[name], rest = tuple(rest[:len(columns)]), rest[len(columns):]
    g.setdefault(KNOWN, {}).update(known)


def known(name: str) -> tuple | None:
    """This request's values of a fact, or None when they were not read (no one signed in, a
    poll, or the request has written since): the feature then reads them itself."""
    return g.get(KNOWN, {}).get(name) if has_app_context() else None


@event.listens_for(db.session, "after_flush")
def _forget_after_writing(session, flush_context) -> None:
    """What this request writes may change a fact: read them afresh from now on."""
    if has_app_context():
        g.pop(KNOWN, None)
