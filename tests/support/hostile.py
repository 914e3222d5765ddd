"""What "live" hostile markup means, checked by parsing the HTML as a browser would."""

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcdoc"}
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "meta",
                  "link", "style", "form", "math"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")

# One of each trick, posted wherever a person can type.
PAYLOADS = [
    "<script>alert('xss-script')</script>",
    '<img src=x onerror="alert(\'xss-img\')">',
    "<svg onload=alert('xss-svg')><script>alert('xss-svg2')</script></svg>",
    "[click me](javascript:alert('xss-md-link'))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"jav&#x61;script:alert('xss-entity')\">entity</a>",
    "&lt;script&gt;alert('xss-double')&lt;/script&gt;",
    "\"><script>alert('xss-attr')</script>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "![img](javascript:alert('xss-md-img'))",
    "<details open ontoggle=alert('xss-toggle')>",
]
PAYLOAD = " ".join(PAYLOADS)


def _expected(tag: str, values: dict) -> bool:
    """Our own stylesheet and icon, charset, viewport and description, and forms posting to
    this site."""
    if tag == "link":
        return values.get("rel") in ("stylesheet", "icon") and (
            values.get("href") or "").startswith("/")
    if tag == "meta":
        return "charset" in values or values.get("name") in ("viewport", "description")
    return tag == "form" and (values.get("action") or "/").startswith("/")


class LiveMarkupFinder(HTMLParser):
    """Collects every place the page would run script or load something it should not."""

    def __init__(self, *, allowed_script_prefix: str = "/static/") -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_script_prefix = allowed_script_prefix
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if not (values.get("src") or "").startswith(self.allowed_script_prefix):
                self.problems.append("inline <script>")
        elif _expected(tag, values):
            pass
        elif tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            cleaned = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and cleaned.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def live_markup(html: str, **options) -> list[str]:
    """Every live script, event handler or script/data URL in this HTML."""
    finder = LiveMarkupFinder(**options)
    finder.feed(html)
    finder.close()
    return finder.problems



TEXT_INPUTS = {"text", "email", "password", "tel", "search", "url", "number", "date", "color"}


class FormReader(HTMLParser):
    """The fields of each POST form in a page, as a browser would submit them untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # action, values, and the type and maxlength of each field a person types into
        self.forms: list[tuple[str, dict[str, str], dict[str, tuple[str, int | None]]]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append((a.get("action", ""), {}, {}))
        if not self.forms:
            return
        _, values, types = self.forms[-1]
        kind = a.get("type", "text").lower()
        if tag == "option" and self._select:
            if self._select not in values or "selected" in a:
                values[self._select] = a.get("value", "")
        elif "name" not in a:
            return
        elif tag == "input" and kind in TEXT_INPUTS | {"hidden"}:
            values[a["name"]] = a.get("value", "")
            if kind != "hidden":
                types[a["name"]] = (kind, int(a["maxlength"]) if "maxlength" in a else None)
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in a:
            values[a["name"]] = a.get("value", "y")
        elif tag == "textarea":
            values[a["name"]], self._textarea = "", a["name"]
            types[a["name"]] = ("textarea", int(a["maxlength"]) if "maxlength" in a else None)
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            values = self.forms[-1][1]  # a browser drops the newline right after <textarea>
            values[self._textarea] = values[self._textarea].removeprefix("\r\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea] += data

    handle_startendtag = handle_starttag


def post_form_fields(
    html: str, action: str, page: str
) -> tuple[dict[str, str], dict[str, tuple[str, int | None]]]:
    """The values, and the types of the fields a person types into, of the POST form at
    `page` that sends to `action` (a form without an action sends to its page)."""
    reader = FormReader()
    reader.feed(html)
    reader.close()
    for form_action, values, types in reader.forms:
        if (form_action or page).split("?")[0] == action:
            return values, types
    raise AssertionError(f"no form posting to {action}")
