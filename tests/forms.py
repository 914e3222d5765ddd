"""Reading forms out of pages the way a browser does: the hidden fields a form carries."""

from html.parser import HTMLParser


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields.setdefault(found["name"], found.get("value") or "")


def hidden_fields(page: str) -> dict[str, str]:
    """Every hidden input of the page by name (CSRF token, versions, row ids), as a browser
    would send them back with the form."""
    parser = _HiddenInputs()
    parser.feed(page)
    return parser.fields
