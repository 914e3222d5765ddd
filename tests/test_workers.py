"""Real gunicorn, 2 workers on 127.0.0.1: a session started on one worker carries on on the
other (one SECRET_KEY for all), and the sign-in limit is counted across both (Redis db 14).
Bounded: a few dozen requests, each with a 10-second timeout, the server stopped at the end."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from portal.auth import services
from portal.auth.models import Role
from portal.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/14"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser: keeps its cookies, never follows redirects."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (127.0.0.1)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, dict(response.headers), response.read().decode()

    def post_form(self, path: str, data: dict) -> tuple[int, dict, str]:
        page = self.request(path)[2]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.request(path, {**data, "csrf_token": token})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn with 2 workers on a SQLite file holding one staff user."""
    servers = []

    def start(**env) -> tuple[str, Path]:
        url = f"sqlite:///{tmp_path / 'served.db'}"
        instance = tmp_path / "instance"
        app = make_app(url, str(tmp_path / "setup"))
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            services.create_user(email="priya@firm.example", name="Priya Nair",
                                 role=Role.STAFF, password=PASSWORD)
            db.session.commit()
            db.engine.dispose()
        port, log = _free_port(), tmp_path / "access.log"
        environment = {**os.environ, "PORTAL_DATABASE_URL": url, **env}
        environment.pop("PORTAL_SECRET_KEY", None)  # the workers share instance/secret_key
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--timeout", "30", "--access-logfile", str(log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
             f"portal:create_app(instance_path={str(instance)!r})"],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        servers.append(server)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                    return base, log
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + server.stderr.read1().decode())

    yield start
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        server.stderr.close()


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
    base, log = gunicorn(PORTAL_REDIS_URL=REDIS_URL)
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
