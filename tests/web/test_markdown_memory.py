"""The Markdown cache is bounded in characters: no staff member, typing or pasting, can make
a worker hold more than its budget. Memory is measured (tracemalloc), not time."""

import gc
import tracemalloc

import pytest

from portal.auth.models import Role
from portal.web import markdown
from portal.web.text_cache import TextCache
from tests.conftest import csrf_token

BODY = 20_000  # the longest update body the publish form takes
MB = 1_000_000


def _retained_bytes(action) -> int:
    """How much more memory Python holds after the action than before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _distinct_bodies(count: int, prefix: str) -> list[str]:
    return [f"{prefix} {n}: " + "x" * (BODY - 20) for n in range(count)]


@pytest.fixture
def empty_cache():
    markdown.cache.clear()
    yield markdown.cache
    markdown.cache.clear()


def test_a_staff_member_pasting_into_the_live_preview_fills_no_cache(make, signed_in,
                                                                      empty_cache):
    make.user("priya@firm.example", role=Role.STAFF)
    staff = signed_in("priya@firm.example")
    token = csrf_token(staff, "/staff/projects/new")
    staff.post("/staff/preview", data={"body": "warm up", "csrf_token": token})
    bodies = _distinct_bodies(400, "preview")

    def preview_all():
        for body in bodies:
            assert staff.post("/staff/preview",
                              data={"body": body, "csrf_token": token}).status_code == 200

    retained = _retained_bytes(preview_all)
    assert retained < 2 * MB, f"{retained / MB:.1f} MB kept after 400 previews"  # was ~16 MB
    assert empty_cache.characters == 0


def test_the_markdown_cache_keeps_at_most_its_budget_of_characters(empty_cache):
    bodies = _distinct_bodies(600, "update")  # 24 million characters in and out
    retained = _retained_bytes(lambda: [markdown.render_markdown(b) for b in bodies])
    assert empty_cache.characters <= markdown.MAX_CACHED_CHARACTERS
    budget_bytes = markdown.MAX_CACHED_CHARACTERS * 1.25  # ASCII: a byte a character, + dict
    assert retained < budget_bytes, f"{retained / MB:.1f} MB kept"  # was ~24 MB
    latest = bodies[-1]
    assert markdown.render_markdown(latest) is markdown.render_markdown(latest)  # still cached


def test_one_text_larger_than_the_whole_budget_is_rendered_but_not_kept(monkeypatch):
    small_cache = TextCache(max_characters=1000)
    monkeypatch.setattr(markdown, "cache", small_cache)
    markdown.render_markdown("small")
    html = markdown.render_markdown("y" * 5000)
    assert "yyyy" in html and "y" * 5000 not in small_cache.entries
    assert "small" in small_cache.entries and small_cache.characters <= 1000
