"""Properties of the Markdown pipeline, for any input Hypothesis can think of: the output never
carries a live <script>, an on*= handler, or a javascript:/data: link."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.web.markdown import render_markdown
from tests.support.hostile import PAYLOADS, live_markup

FRAGMENTS = [
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "JaVaScRiPt:",
    "data:text/html,", "vbscript:", "&#x6a;avascript:", "java\tscript:", "<svg onload=x>",
    "[a](", ")", "](", "![b](", "<a href=\"", "\">", "onclick=", " onmouseover=\"x\" ",
    "`", "```", "\n\n", "> ", "- ", "1. ", "| a | b |\n|---|---|\n", "<", ">", "&", "\"", "'",
    "<style>", "<iframe>", "<!--", "-->", "<![CDATA[", "%3Cscript%3E", "\u0000", "\u202e",
]

markdown_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=40).map("".join),
    st.sampled_from(PAYLOADS),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown_text)
def test_rendered_markdown_never_carries_live_script(text):
    html = str(render_markdown(text))
    assert live_markup(html, allowed_script_prefix="\x00never") == []
    assert "<script" not in html.lower()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["javascript:", "data:text/html,", "vbscript:", "JAVASCRIPT:",
                        "&#106;avascript:", " javascript:"]), st.text(max_size=40))
def test_links_keep_only_http_https_and_mailto(scheme, rest):
    html = str(render_markdown(f"[x]({scheme}{rest})"))
    for href in html.split('href="')[1:]:
        target = href.split('"', 1)[0].lower()
        assert target.startswith(("http:", "https:", "mailto:", "#", "/")) or ":" not in \
            target.split("/")[0], target


@given(st.text(max_size=200))
def test_rendering_is_total_and_returns_markup(text):
    assert isinstance(str(render_markdown(text)), str)
