"""Bearer tokens stay out of the logs: real gunicorn, its access log written in a format with
every part of a request that can carry a link (the request line, path, query, Referer, raw
URI), and every kind of emailed link opened; the log shows /pulses/[token], never a token."""

import logging
import subprocess
import sys
import urllib.request
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.auth import email_tokens
from portal.auth import services as auth
from portal.auth.models import Role, TokenPurpose
from portal.extensions import db
from portal.notifications.rendering import unsubscribe_token
from portal.pulses import loop
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, Trigger
from portal.web.redaction import REDACTED, TOKEN_PATHS, redact
from tests.conftest import make_app
from tests.support.servers import Browser, Gunicorn

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
SAMPLE_TOKEN = "Zm9vYmFy.aGVsbG8-d29ybGQ_1234"  # a signed token's alphabet: . - _
# Everything of a request a log line can hold that may carry a link.
FULL_FORMAT = ('%(p)s %(r)s %(s)s U=%(U)s q=%(q)s f=%(f)s ref=%({referer}i)s '
               'raw=%({raw_uri}e)s loc=%({location}o)s')


class LoggingGunicorn(Gunicorn):
    """The tests' gunicorn, with the access log in FULL_FORMAT (the repository's
    gunicorn.conf.py is read as always: it is what installs the redaction)."""

    def _start(self, environment, workers, threads, errors):
        return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF),
             "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "30",
             "--access-logfile", str(self.log), "--access-logformat", FULL_FORMAT,
             f"portal:create_app(instance_path={str(self.instance)!r})"],
            env=environment, stdout=subprocess.DEVNULL, stderr=errors,
        )


def _get_with_referer(url: str, *, referer: str) -> None:
    request = urllib.request.Request(url, headers={"Referer": referer})  # noqa: S310 (127.0.0.1)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


def test_every_route_with_a_token_in_its_path_is_redacted(app):
    adapter = app.url_map.bind("portal.example.com", url_scheme="https")
    with_token = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(with_token) >= len(TOKEN_PATHS)
    for rule in with_token:
        path = adapter.build(rule.endpoint, {"token": SAMPLE_TOKEN})
        url = adapter.build(rule.endpoint, {"token": SAMPLE_TOKEN}, force_external=True)
        for text in (path, f"GET {path}?score=9 HTTP/1.1", url, f"/login?next={path}",
                     "/login?next=" + path.replace("/", "%2F")):
            assert SAMPLE_TOKEN not in redact(text), text
            assert REDACTED in redact(text), text


def test_paths_without_a_token_are_logged_as_they_are(app):
    values = {"project_id": 7, "organization_id": 7, "user_id": 7, "question_id": 7,
              "item_id": 7, "update_id": 7, "milestone_id": 7, "follow_up_id": 7, "key_id": 7,
              "template_id": 7, "alert_id": 7, "touchpoint_id": 7, "action": "deactivate",
              "kind": "values", "filename": "css/portal.css", "candidate_id": 7,
              "decision_id": 7, "reason_id": 7, "endpoint_id": 7, "delivery_id": 7,
              "external_id": "JIRA-42"}
    adapter = app.url_map.bind("portal.example.com")
    for rule in app.url_map.iter_rules():
        if "token" not in rule.arguments:
            path = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
            assert redact(f"GET {path} HTTP/1.1") == f"GET {path} HTTP/1.1"


@pytest.fixture
def links(tmp_path) -> tuple[str, dict[str, str]]:
    """A SQLite database with a client, and a real link of every kind for them."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    app = make_app(url, str(tmp_path / "setup"))
    with app.app_context():
        flask_migrate.upgrade()
        acme = accounts.create_organization(name="Acme Corp")
        jordan = auth.create_user(email="jordan@acme.example", name="Jordan",
                                  role=Role.CLIENT, organization=acme)
        request = pulses.request_pulse(jordan, trigger=Trigger.PERIODIC)
        priya = auth.create_user(email="priya@firm.example", name="Priya", role=Role.STAFF)
        pulses.record_answers(request, scores={q.id: q.scale.bounds[0]
                                               for q in request.template.questions}, comments={})
        follow_up = db.session.scalars(select(FollowUp)).one()
        loop.resolve_follow_up(follow_up, by=priya, summary="We called you.")
        paths = {
            "did this fix it": f"/follow-ups/{loop.fix_token(follow_up)}",
            "pulse": f"/pulses/{pulses.answer_token(request)}",
            "unsubscribe": f"/unsubscribe/{unsubscribe_token(jordan)}",
            "invitation": f"/invitations/{email_tokens.issue(jordan, TokenPurpose.INVITATION)[0]}",
            "reset": f"/login/reset/{email_tokens.issue(jordan, TokenPurpose.PASSWORD_RESET)[0]}",
            "sign-in": "/login/email-link/"
                       + email_tokens.issue(jordan, TokenPurpose.SIGN_IN_LINK)[0],
        }
        db.session.commit()
        db.engine.dispose()
    return url, paths


def test_gunicorn_logs_emailed_links_without_their_tokens(tmp_path, links):
    url, paths = links
    server = LoggingGunicorn(database_url=url, instance=tmp_path / "instance",
                             log=tmp_path / "access.log", workers=1, threads=2,
                             PORTAL_BASE_URL="https://portal.example.com")
    try:
        server.wait_until_serving("/healthz")
        browser = Browser(server.base)
        for path in paths.values():
            status, _, _ = browser.request(path + "?score=9")
            assert status < 500, path
            # What the page then loads sends it as the Referer; a form there posts to it.
            _get_with_referer(server.base + "/static/css/portal.css",
                              referer=f"https://portal.example.com{path}")
            browser.request(path, {"csrf_token": "stale"})
        browser.request("/login?next=" + paths["pulse"])
    finally:
        server.stop()  # the workers flush their log lines on the way out
    access_log = server.log.read_text()
    error_log = server.errors.read_text()
    for kind, path in paths.items():
        token = path.rsplit("/", 1)[1]
        assert token not in access_log, kind
        assert token not in error_log, kind
        assert f"{path.rsplit('/', 1)[0]}/{REDACTED}" in access_log, kind
    assert f"GET /pulses/{REDACTED}?score=9 HTTP/1.1" in access_log
    assert f"ref=https://portal.example.com/pulses/{REDACTED}" in access_log


def test_the_apps_own_log_lines_carry_no_token(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("portal.errors").error("request %s to %s failed", "abc",
                                             f"/unsubscribe/{SAMPLE_TOKEN}")
    logging.getLogger("werkzeug").info('"%s" %s', f"GET /pulses/{SAMPLE_TOKEN} HTTP/1.1", 200)
    assert SAMPLE_TOKEN not in caplog.text
    assert f"/unsubscribe/{REDACTED}" in caplog.text and f"/pulses/{REDACTED}" in caplog.text
