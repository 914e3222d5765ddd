"""Rendered fragments of the live pages, cached per process and keyed by all that shapes them.

A fragment's key is the version of what it shows (the counters services bump on every change
a client can see, read from the database on each request, so every worker notices a change at
once) and the viewer's side of it: their timezone, their today, and the minute, since relative
times ("2 hours ago") are written into the HTML (the browser keeps them fresh between polls);
and what features add with vary_by() (the firm's name, which fragments show). The minute also
bounds what no version counts on a client's copy (a contact's new name or phone bumps the
versions of their projects; an update's author's new name shows within a minute).

Only client copies are cached: staff see internal notes and pulse scores, which no version
counts, so their pages are always rendered. Nothing per session (a CSRF token, a flash) belongs
in a cached fragment. Each app has its own cache: two apps never share one's ids.
"""

from collections.abc import Callable, Hashable

from flask import Flask, current_app
from markupsafe import Markup

from portal.db import utcnow
from portal.web.templating import viewer_zone
from portal.web.text_cache import TextCache

# Characters of HTML kept per worker (Python stores them in 1 to 4 bytes each: the templates'
# dashes and arrows make it 2, so about 16 MB): a project's live part is 20-30 thousand
# characters, so a few hundred fragments; the least recently used go first.
MAX_CHARACTERS = 8_000_000
VARIES_BY = "fragments.varies_by"  # app.extensions key: what features add to every key


def vary_by(app: Flask, part: Callable[[], Hashable]) -> None:
    """Add `part()` to every fragment's key: something a feature shows in fragments that can
    change at any time, which no version counts (the content feature adds the firm's name)."""
    app.extensions.setdefault(VARIES_BY, []).append(part)


def viewer_key() -> tuple:
    """What in a fragment depends on the client looking: timezone, their today, the minute;
    and what features added with vary_by()."""
    zone, now = viewer_zone(), utcnow()
    shown = tuple(part() for part in current_app.extensions.get(VARIES_BY, ()))
    return zone.key, now.astimezone(zone).date(), int(now.timestamp() // 60), *shown


def client_fragment(key: tuple, render: Callable[[], str]) -> Markup:
    """A client's copy of a fragment, rendered only when this process has not got it yet."""
    return current_app.extensions["fragments"].get_or_render((*key, *viewer_key()), render)


def register(app: Flask) -> None:
    """Give this app its own, empty fragment cache."""
    app.extensions["fragments"] = TextCache(MAX_CHARACTERS)
