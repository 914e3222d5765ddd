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
    """Our own stylesheet, charset and viewport, and forms posting to this site."""
    if tag == "link":
        return values.get("rel") == "stylesheet" and (values.get("href") or "").startswith("/")
    if tag == "meta":
        return "charset" in values or values.get("name") == "viewport"
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
