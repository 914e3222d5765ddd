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


class _FieldValues(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag == "input" and name and found.get("type") not in ("submit", "button"):
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self.fields.setdefault(name, found.get("value") or (
                "y" if found.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in found or self._select not in self.fields:
                self.fields[self._select] = found.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data.removeprefix("\n")


def field_values(page: str) -> dict[str, str]:
    """What the page's form fields hold, as a browser would send them unchanged: inputs,
    ticked boxes, selected options and textareas (the first field of each name)."""
    parser = _FieldValues()
    parser.feed(page)
    return parser.fields


def hidden_fields(page: str) -> dict[str, str]:
    """Every hidden input of the page by name (CSRF token, versions, row ids), as a browser
    would send them back with the form."""
    parser = _HiddenInputs()
    parser.feed(page)
    return parser.fields
