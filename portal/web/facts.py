"""Facts a signed-in page shows, read in the same statement as the signed-in user.

Each page's header shows the firm's branding and, for a client with a pulse waiting, the
pulse banner; a cached page needs its own version (its cache key and ETag). Read on their own
these were a statement each beside the user's: features now declare them here as scalar
columns (add_fact), the user loader adds them to the statement it runs anyway, and the
features read them back with known(). So a cached dashboard costs one statement, and nothing
can be stale: every value is read from the database on every request, as before, only in one
round trip instead of several; no worker keeps a copy another worker would have to be told
about, so a change shows on the next request in every worker and on every machine.

A request that writes anything reads the facts afresh (the listener below forgets them at the
first flush): a page rendered after a change, such as the thanks page after a pulse is
answered or the settings page after a new name is saved, shows the change. Polls read only
the facts of their own endpoint (the header is not polled).

This module imports no feature: features hand it their columns.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import ColumnElement, Select, event

from portal.extensions import db

FACTS = "facts.declared"  # app.extensions key: the facts features declared
BUILT = "facts.built"  # app.extensions key: their columns, built once
COMPOSED = "facts.composed"  # app.extensions key: user statements with the facts
KNOWN = "facts"  # g key: this request's facts, by name


@dataclass(frozen=True)
class Fact:
    """Scalar columns (correlated to nothing; the user's id is the `user_id` bind parameter),
    built on first use when every model is mapped, and the other parameters they bind.

    A fact with no `endpoints` is read on every page that is not a poll; one with endpoints
    only by those (polls included): a page's own version, its cache key and ETag."""

    name: str
    columns: Callable[[], Sequence[ColumnElement]]
    params: Callable[[], dict[str, Any]] = field(default=dict)
    endpoints: frozenset[str] = frozenset()


def add_fact(app: Flask, fact: Fact) -> None:
    """Read `fact` with the signed-in user on the pages of this app it is for."""
    app.extensions.setdefault(FACTS, []).append(fact)


def with_facts(stmt: Select, *, polling: bool) -> tuple[Select, dict[str, Any]]:
    """The user's statement with the columns of every fact this request reads (composed once
    per app, statement and set of facts: composing costs more than running), and their
    parameters."""
    reading = tuple(fact for fact in current_app.extensions.get(FACTS, [])
                    if request.endpoint in fact.endpoints
                    or not (fact.endpoints or polling))
    g.facts_reading = reading
    params: dict[str, Any] = {}
    for fact in reading:
        params.update(fact.params())
    composed = current_app.extensions.setdefault(COMPOSED, {})
    key = (stmt, tuple(fact.name for fact in reading))
    if key not in composed:
        composed[key] = stmt.add_columns(*(column for fact in reading
                                           for column in _columns(fact)))
    return composed[key], params


def _columns(fact: Fact) -> Sequence[ColumnElement]:
    """A fact's columns, built once per app."""
    built = current_app.extensions.setdefault(BUILT, {})
    if fact.name not in built:
        built[fact.name] = fact.columns()
    return built[fact.name]


def remember(values: Sequence[Any]) -> None:
    """Keep this request's facts: the values of their columns after the user's, in the order
    with_facts added them."""
    known, rest = {}, list(values)
    for fact in g.get("facts_reading", ()):
        width = len(_columns(fact))
        known[fact.name], rest = tuple(rest[:width]), rest[width:]
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
