"""A per-process cache of rendered text, bounded in characters rather than entries.

Entries vary from a line to tens of thousands of characters, so a count of entries bounds
nothing: the budget is in characters kept (the text, and the key when it is text too).
cachetools' LRUCache keeps the budget, measuring each entry with its `getsizeof`.
"""

import threading
from collections.abc import Callable, Hashable
from typing import NamedTuple

from cachetools import LRUCache
from markupsafe import Markup


class Entry(NamedTuple):
    """Rendered HTML and the characters it costs the budget (its key's included)."""

    html: Markup
    characters: int


def _characters(entry: Entry) -> int:
    return entry.characters


class TextCache:
    """A map from key to rendered HTML, bounded in characters, least recently used out first;
    thread-safe (gunicorn's threads share it). An entry larger than the budget is not kept."""

    def __init__(self, max_characters: int) -> None:
        self.entries: LRUCache[Hashable, Entry] = LRUCache(max_characters, getsizeof=_characters)
        self.lock = threading.Lock()

    @property
    def characters(self) -> int:
        """Characters kept now."""
        return self.entries.currsize

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        """The text under key, rendering and keeping it when it is not there."""
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None:
            return entry.html
        html = Markup(render())  # noqa: S704 (the caller's renderer escapes or sanitises)
        entry = Entry(html, len(html) + (len(key) if isinstance(key, str) else 0))
        if entry.characters <= self.entries.maxsize:
            with self.lock:
                self.entries[key] = entry
        return html

    def clear(self) -> None:
        """Forget everything."""
        with self.lock:
            self.entries.clear()
