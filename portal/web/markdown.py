"""User-written Markdown to safe HTML: raw HTML off in the parser, then sanitised by nh3."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from portal.web.text_cache import TextCache

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


# Characters of Markdown and HTML kept per worker, both counted: an update is a few hundred to
# 20,000 characters, so thousands of ordinary ones fit, and no one can make it hold more.
MAX_CACHED_CHARACTERS = 4_000_000
cache = TextCache(MAX_CACHED_CHARACTERS)


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for Markdown a user wrote; links only to http, https and mailto.

    A pure function of the text, so it is cached per process: a project page shows the same
    updates on every visit, and parsing and sanitising them was a third of its time.
    """
    text = text or ""
    return cache.get_or_render(text, lambda: render_uncached(text))


def render_uncached(text: str) -> Markup:
    """render_markdown without the cache, for text shown once (a live preview as staff type)."""
    html = _parser.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (nh3 has just sanitised it)
