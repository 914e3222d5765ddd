"""No request holds a worker for ever: a page stuck in a loop (pygal's old label loop, served
by real gunicorn with one worker of one thread) answers with the portal's 503 page once
PORTAL_REQUEST_SECONDS pass, and the same worker then serves the next requests as usual."""

import re
import time

import pytest

from tests.support.servers import Browser, Gunicorn

LIMIT_SECONDS = 2


@pytest.fixture
def stuck_server(app, database_url, tmp_path):
    """gunicorn, 1 worker of 1 thread, serving the portal plus /test/stuck-chart."""
    server = Gunicorn(database_url=database_url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log", workers=1, threads=1,
                      factory="tests.support.stuck_pages:create_app",
                      PORTAL_REQUEST_SECONDS=str(LIMIT_SECONDS))
    try:
        server.wait_until_serving("/healthz")
        yield server
    finally:
        server.stop()


def _answering_pids(server: Gunicorn, path: str, status: str) -> set[str]:
    """The worker pids the access log shows answering `path` with `status` (bounded wait)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line.split() for line in server.log.read_text().splitlines()]
        pids = {pid for pid, _method, logged, code in lines if (logged, code) == (path, status)}
        if pids:
            return pids
        time.sleep(0.1)
    return set()


def test_a_stuck_page_ends_with_the_error_page_and_the_worker_serves_on(stuck_server):
    browser = Browser(stuck_server.base)
    started = time.monotonic()
    status, headers, page = browser.request("/test/stuck-chart")
    took = time.monotonic() - started

    assert status == 503
    assert "This page took too long" in page
    assert re.search(r"quote reference <code>[0-9a-f]{12}</code>", page)
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert took < LIMIT_SECONDS + 20  # generous: the point is that it ends at all

    # The one thread of the one worker is free again, and the database still answers.
    assert browser.request("/healthz")[0] == 200
    status, _, page = browser.request("/login")
    assert status == 200 and 'name="password"' in page
    stuck_pids = _answering_pids(stuck_server, "/test/stuck-chart", "503")
    assert stuck_pids and stuck_pids == _answering_pids(stuck_server, "/login", "200")
    assert "stopped after 2" in stuck_server.errors.read_text()
