"""Real gunicorn, 2 workers on 127.0.0.1: a session started on one worker carries on on the
other (one SECRET_KEY for all), and the sign-in limit is counted across both (Redis db 14).
Bounded: a few dozen requests, each with a 10-second timeout, the server stopped at the end."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import pytest
import redis

from portal.auth import services
from portal.auth.models import Role
from portal.extensions import db
from tests.conftest import make_app
from tests.support.factories import PASSWORD
from tests.support.servers import Browser, Gunicorn

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn with 2 workers on a SQLite file holding one staff user."""
    servers = []

    def start(**env) -> tuple[str, Path]:
        url = f"sqlite:///{tmp_path / 'served.db'}"
        app = make_app(url, str(tmp_path / "setup"))
        with app.app_context():
            flask_migrate.upgrade()
            services.create_user(email="priya@firm.example", name="Priya Nair",
                                 role=Role.STAFF, password=PASSWORD)
            db.session.commit()
            db.engine.dispose()
        server = Gunicorn(database_url=url, instance=tmp_path / "instance",
                          log=tmp_path / "access.log", **env)
        servers.append(server)
        server.wait_until_serving("/healthz")
        return server.base, server.log

    yield start
    for server in servers:
        server.stop()


def _workers(log: Path, method: str, path: str, status: str) -> set[str]:
    """The worker pids that answered this request with this status. A worker writes its access
    line just after sending the answer, so wait up to 3 s for the second pid to show."""
    deadline = time.monotonic() + 3
    while True:
        lines = log.read_text().splitlines()
        pids = {line.split()[0] for line in lines if line.split()[1:] == [method, path, status]}
        if len(pids) >= 2 or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def _until_both_workers_answer(base: str, log: Path) -> None:
    """Concurrent GETs of /login until both workers have booted and answered one (bounded)."""
    for _ in range(20):
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: Browser(base).request("/login"), range(8)))
        if len(_workers(log, "GET", "/login", "200")) == 2:
            return
    raise AssertionError("the second gunicorn worker never answered")


def test_a_session_started_on_one_worker_continues_on_the_other(gunicorn):
    base, log = gunicorn()
    browser = Browser(base)
    status, headers, _ = browser.post_form("/login", {"email": "priya@firm.example",
                                                      "password": PASSWORD})
    assert status == 302 and headers["Location"] == "/"
    _until_both_workers_answer(base, log)
    for _ in range(10):  # concurrent requests: a busy sync worker leaves the next to the other
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: browser.request("/account"), range(8)))
        assert all(status == 200 and "priya@firm.example" in page
                   for status, _, page in answers)
        if len(_workers(log, "GET", "/account", "200")) == 2:
            break
    assert len(_workers(log, "GET", "/account", "200")) == 2, "one worker answered everything"


def _failed_sign_in(base: str) -> tuple[int, dict, str]:
    return Browser(base).post_form("/login", {"email": "priya@firm.example",
                                              "password": "not the password"})


def test_the_sign_in_limit_holds_across_two_workers_with_redis(gunicorn):
    try:
        store = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        store.flushdb()
    except redis.ConnectionError as error:
        raise AssertionError("Redis must run on 127.0.0.1:6379 (.ci/run starts it)") from error
    # The first sign-in delay as long as the old lockout, so no slow machine sees it run out.
    base, log = gunicorn(PORTAL_REDIS_URL=REDIS_URL, PORTAL_SIGN_IN_FIRST_DELAY_SECONDS="900")
    _until_both_workers_answer(base, log)
    with ThreadPoolExecutor(max_workers=5) as pool:  # all at once: both workers usually take some
        answers = list(pool.map(lambda _: _failed_sign_in(base), range(5)))
    assert [status for status, _, _ in answers] == [422] * 5
    status, headers, page = _failed_sign_in(base)
    assert status == 429
    assert "Too many attempts" in page and "Please wait 15 minutes" in page
    assert 0 < int(headers["Retry-After"]) <= 900
    # The counters live in Redis, which every worker shares (which worker took which attempt is
    # up to the kernel; the session test above proves both workers serve).
    assert store.keys("*"), "the limiter kept its counters somewhere other than Redis"
    store.flushdb()
