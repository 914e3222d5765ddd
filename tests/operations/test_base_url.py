"""Links in emails point where the portal is served: `make run PORT=5820` (or `flask run
--port 5820`) writes :5820 into them, not :5000, unless PORTAL_BASE_URL says otherwise."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from portal import create_app
from portal.notifications.rendering import absolute_url
from portal.web.addresses import base_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unset_app(tmp_path, monkeypatch):
    """A development app with no PORTAL_BASE_URL."""
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    return create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"},
                      instance_path=str(tmp_path))


def test_a_link_made_while_serving_on_5820_points_at_5820(unset_app):
    # The Host header is the browser's to choose; the port is the socket the server is bound to.
    with unset_app.test_request_context(base_url="http://127.0.0.1:5820",
                                        headers={"Host": "evil.example"}):
        assert absolute_url("pulses.answer", token="t") == "http://127.0.0.1:5820/pulses/t"


def test_a_server_bound_to_every_interface_links_to_loopback(unset_app):
    with unset_app.test_request_context(base_url="http://0.0.0.0:5820"):
        assert base_url(unset_app) == "http://127.0.0.1:5820"


def test_portal_base_url_wins_over_the_port(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"},
                     instance_path=str(tmp_path))
    with app.test_request_context(base_url="http://127.0.0.1:5820"):
        assert absolute_url("pulses.answer", token="t") == "https://portal.example.com/pulses/t"


def _make_run(*args: str, **env: str) -> str:
    """The commands `make run` would run (a dry run: nothing is installed or served)."""
    environment = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"} | env
    make = shutil.which("make")
    assert make, "make is needed to run the portal as the README says"
    return subprocess.run([make, "-n", "run", *args], cwd=ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


def test_make_run_on_another_port_gives_the_server_and_the_worker_that_address():
    commands = _make_run("PORT=5820")
    assert "--port 5820" in commands
    assert "PORTAL_BASE_URL='http://127.0.0.1:5820'" in commands
    assert ":5000" not in commands


def test_make_run_keeps_a_portal_base_url_given_to_it():
    commands = _make_run("PORT=5820", PORTAL_BASE_URL="https://portal.example.com")
    assert "PORTAL_BASE_URL='https://portal.example.com'" in commands
    assert "http://127.0.0.1:5820" not in commands
