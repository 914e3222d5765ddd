"""Sign-in and emailed links through real gunicorn (2 workers) on the database under test.

Failed sign-ins are counted in the database every worker shares, so the limit holds across
both workers and across a restart; with Redis configured but down, signing in, asking for a
reset link and answering a pulse still work and are still limited; an address guessing at an
account is slowed while the account's owner signs in from another; a reset link asked for
through gunicorn is emailed by the real Huey consumer. Bounded: a few dozen requests with
10-second timeouts, every server and consumer stopped at the end."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from tests.operations.test_workers import _until_both_workers_answer, _workers
from tests.security.test_rate_limits import _pulse_link
from tests.support.factories import PASSWORD
from tests.support.mail import free_port
from tests.support.servers import Browser, Gunicorn, huey_consumer, wait_for_mail, worker_env

REDIS_URL = "redis://127.0.0.1:6379/12"
# A first delay long enough that no slow machine sees it run out between two requests.
SLOW = {"PORTAL_SIGN_IN_FIRST_DELAY_SECONDS": "600", "PORTAL_SECRET_KEY": "test-secret-key"}


@pytest.fixture
def serve(app, database_url, tmp_path):
    """Start gunicorn (2 workers) on the test database; every server is stopped afterwards."""
    servers: list[Gunicorn] = []

    def start(**env: str) -> Gunicorn:
        server = Gunicorn(database_url=database_url, instance=tmp_path / "instance",
                          log=tmp_path / f"access-{len(servers)}.log", **SLOW, **env)
        servers.append(server)
        server.wait_until_serving("/healthz")
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def redis_db12():
    """Redis database 12, empty before and after the test."""
    try:
        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        store.flushdb()
    except redis.ConnectionError as error:
        raise AssertionError("Redis must run on 127.0.0.1:6379 (.ci/run starts it)") from error
    yield store
    store.flushdb()
    store.close()


def _sign_in(base: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else None
    return Browser(base, headers).post_form("/login", {"email": "priya@firm.example",
                                                       "password": password})


def _fail(base: str, address: str | None = None):
    return _sign_in(base, "not the password", address)


def _statuses(answers) -> list[int]:
    return [status for status, _, _ in answers]


def test_without_redis_failed_sign_ins_hold_across_both_workers_and_a_restart(serve, make):
    make.user("priya@firm.example", role=Role.STAFF)
    server = serve()
    _until_both_workers_answer(server.base, server.log)
    with ThreadPoolExecutor(max_workers=5) as pool:  # at once, so both workers take some
        assert _statuses(pool.map(lambda _: _fail(server.base), range(5))) == [422] * 5
    # From now on every attempt from here waits, whichever worker takes it.
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=4) as pool:
            assert _statuses(pool.map(lambda _: _fail(server.base), range(6))) == [429] * 6
        if len(_workers(server.log, "POST", "/login", "429")) == 2:
            break
    assert len(_workers(server.log, "POST", "/login", "429")) == 2, "one worker answered all"
    status, headers, page = _sign_in(server.base, PASSWORD)
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 600  # not even checked
    assert "Too many attempts" in page
    server.stop()
    restarted = serve()
    status, headers, _ = _sign_in(restarted.base, PASSWORD)
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 600


def _reset_emails(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == MessageKind.PASSWORD_RESET)).all()
        db.session.close()
        return list(rows)


def test_with_redis_down_signing_in_links_and_pulses_work_and_are_still_limited(
    serve, make, app
):
    make.user("priya@firm.example", role=Role.STAFF)
    link = _pulse_link(app, make, "jordan@acme.example")
    server = serve(PORTAL_REDIS_URL=f"redis://127.0.0.1:{free_port()}/12")
    assert _sign_in(server.base, PASSWORD)[0] == 302
    # Failed sign-ins are still counted (in the database).
    assert [_fail(server.base)[0] for _ in range(5)] == [422] * 5
    assert _fail(server.base)[0] == 429 and _sign_in(server.base, PASSWORD)[0] == 429
    # A reset link asked for is not lost: with the queue down it is made at once.
    status, _, page = Browser(server.base).post_form("/login/forgot",
                                                     {"email": "jordan@acme.example"})
    assert status == 200 and "Check your email" in page
    assert _reset_emails(app) == ["jordan@acme.example"]
    # Still limited, by each worker's own count (5 per account per worker, 2 workers).
    asked = [Browser(server.base).post_form("/login/forgot", {"email": "jordan@acme.example"})
             for _ in range(10)]
    assert set(_statuses(asked)) <= {200, 429} and 429 in _statuses(asked)
    answers = []
    for _ in range(21):  # 10 answers per link per worker
        browser = Browser(server.base)
        answers.append(browser.request(link, {"csrf_token": browser.csrf_token(link)}))
    assert set(_statuses(answers)) <= {422, 429} and 429 in _statuses(answers)
    status, _, body = Browser(server.base).request("/healthz")
    assert status == 200 and json.loads(body) == {
        "status": "degraded", "database": "ok", "rate_limits": "per worker: Redis unreachable"}
    assert "Redis is unreachable: rate limits are counted in this worker's memory" in (
        server.errors.read_text())


def test_an_attacker_is_slowed_while_the_owner_signs_in_from_elsewhere(serve, make, redis_db12):
    make.user("priya@firm.example", role=Role.STAFF)
    server = serve(PORTAL_REDIS_URL=REDIS_URL, PORTAL_PROXY_HOPS="1")
    attacker, owner = "203.0.113.9", "198.51.100.7"
    assert [_fail(server.base, attacker)[0] for _ in range(5)] == [422] * 5
    status, headers, _ = _fail(server.base, attacker)
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 600
    assert _sign_in(server.base, PASSWORD, attacker)[0] == 429  # the password is not checked
    status, headers, _ = _sign_in(server.base, PASSWORD, owner)
    assert status == 302 and headers["Location"] == "/"
    status, _, body = Browser(server.base).request("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok",
                                                  "rate_limits": "shared"}


def test_a_reset_link_asked_for_through_gunicorn_is_emailed_by_the_consumer(
    serve, make, database_url, smtp, smtp_port, redis_db12, tmp_path
):
    make.user("jordan@acme.example", organization="Acme Corp")
    server = serve(PORTAL_REDIS_URL=REDIS_URL)
    for email in ("jordan@acme.example", "nobody@acme.example"):
        status, _, page = Browser(server.base).post_form("/login/forgot", {"email": email})
        assert status == 200 and "Check your email" in page
    log_path = tmp_path / "consumer.log"
    with huey_consumer(worker_env(database_url, smtp_port, REDIS_URL), log_path) as consumer:
        wait_for_mail(smtp, consumer, 30)
        time.sleep(0.5)  # room for a wrong second email to arrive, which must not
    assert smtp.recipients() == ["jordan@acme.example"], log_path.read_text()
    assert "/login/reset/" in smtp.messages[0][1].get_body(("plain",)).get_content()
