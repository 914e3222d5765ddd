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


PHONE_390 = {"width": 390, "height": 844}

# Boxes of everything a person reads or clicks: text (one box per line), images, controls,
# charts. Two that intersect, neither inside the other, are elements drawn over each other.
_LAYOUT_JS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) {
    problems.push(`scrolls sideways: ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  const hidden = el => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                             contentVisibilityAuto: true})) return true;
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      const tiny = node.offsetWidth <= 1 && node.offsetHeight <= 1;
      if (style.position === 'absolute' && (tiny || style.clip !== 'auto')) return true;
    }
    return false;
  };
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const el = text.parentElement;
    if (!text.textContent.trim() || el.closest('svg, select, textarea, option')) continue;
    if (hidden(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const rect of range.getClientRects()) {
      const what = text.textContent.trim().slice(0, 30);
      if (rect.width > 1 && rect.height > 1) boxes.push({el, rect, what});
    }
  }
  const controls = 'img, svg, input:not([type=hidden]), select, textarea, button, progress';
  for (const el of document.body.querySelectorAll(controls)) {
    if (el.parentElement.closest('svg') || hidden(el)) continue;
    const rect = el.getBoundingClientRect();
    const what = '<' + el.tagName.toLowerCase() + '>';
    if (rect.width > 1 && rect.height > 1) boxes.push({el, rect, what});
  }
  const slack = 2;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
      const h = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
      if (w > slack && h > slack) {
        const x = Math.round(a.rect.left), y = Math.round(a.rect.top + window.scrollY);
        problems.push(`"${a.what}" and "${b.what}" overlap at ${x},${y}`);
        if (problems.length > 8) return problems;
      }
    }
  }
  return problems;
}"""


def layout_problems(page: Page) -> list[str]:
    """Sideways scrolling and elements drawn over each other, in words; empty when none."""
    return page.evaluate(_LAYOUT_JS)
