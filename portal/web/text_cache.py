"""A per-process cache of rendered text, bounded in characters rather than entries.

Entries vary from a line to tens of thousands of characters, so a count of entries bounds
nothing: the budget is in characters kept (the text, and the key when it is text too).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup


def _size(key: Hashable, text: str) -> int:
    return len(text) + (len(key) if isinstance(key, str) else 0)


class TextCache:
    """A map from key to rendered HTML, bounded in characters, least recently used out first;
    thread-safe (gunicorn's threads share it). An entry larger than the budget is not kept."""

    def __init__(self, max_characters: int) -> None:
        self.max_characters = max_characters
        self.characters = 0
        self.entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        """The text under key, rendering and keeping it when it is not there."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        html = Markup(render())  # noqa: S704 (the caller's renderer escapes or sanitises)
        size = _size(key, html)
        with self.lock:
            if key not in self.entries and size <= self.max_characters:
                self.entries[key] = html
                self.characters += size
            while self.characters > self.max_characters and self.entries:
                self.characters -= _size(*self.entries.popitem(last=False))
        return html

    def clear(self) -> None:
        """Forget everything."""
        with self.lock:
            self.entries.clear()
            self.characters = 0
