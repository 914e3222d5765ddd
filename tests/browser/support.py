"""What browser tests and the screenshot script share: Chromium, a live server, sign-in, axe.

Chromium is Debian's (/usr/bin/chromium, or PORTAL_TEST_CHROMIUM); nothing here ever downloads
a browser. The live server is werkzeug's threaded server on 127.0.0.1 with a free port.
"""

import os
import threading
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, Playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.support.factories import PASSWORD

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}


class ChromiumMissing(RuntimeError):
    """The browser tests need Chromium and will not download one."""


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the flags the project's machines need."""
    if not os.access(CHROMIUM, os.X_OK):
        raise ChromiumMissing(
            f"Chromium not found at {CHROMIUM}. Install Debian's package "
            "(`apt-get install -y chromium`) or point PORTAL_TEST_CHROMIUM at a Chromium binary; "
            "the browser tests never download a browser and never skip."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class SwappableApp:
    """The WSGI app the live server calls: whichever Flask app the current test has set."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app is being served between tests"]
        return self.app(environ, start_response)


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request; errors are still logged."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class LiveServer:
    """A real HTTP server in a background thread; `url` is its base address."""

    def __init__(self, app: Flask | None = None) -> None:
        self.wsgi = SwappableApp()
        self.wsgi.app = app
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self.wsgi, threaded=True, request_handler=QuietRequestHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server",
                                       daemon=True)

    def serve(self, app: Flask | None) -> None:
        self.wsgi.app = app

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real /login form and wait for the page it leads to."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if page.url.rstrip("/").endswith("/login"):
        raise AssertionError(f"{email} could not sign in: still on {page.url}")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page; return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline script)
        # rightly does not let a <script> tag do.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})""", WCAG_TAGS
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """A readable list of axe violations for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}")
    return "\n".join(lines)
