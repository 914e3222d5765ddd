"""Static files: fingerprinted URLs are cached for a year; anything else revalidates."""

import re


def _cache_control(client, url: str):
    response = client.get(url)
    try:
        assert response.status_code == 200
        return response.cache_control
    finally:
        response.close()  # a static file is streamed from an open file


def test_pages_link_static_files_by_content_hash_and_those_are_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', page).group(1)
    cache_control = _cache_control(client, url)
    assert cache_control.max_age == 365 * 24 * 3600
    assert cache_control.public and cache_control.immutable


def test_a_static_file_without_its_current_hash_is_not_cached_long(client):
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=000000000000"):
        cache_control = _cache_control(client, url)
        assert not cache_control.immutable
        assert (cache_control.max_age or 0) < 3600
