"""Screenshots of the client's pages for the README, taken from the demo data in a real browser.

    .venv/bin/python -m bench.screenshots        (or `make screenshots`)

Loads the demo into a throwaway SQLite database, serves it on 127.0.0.1 with the browser
tests' live server, signs in as the Acme client through the login form with Debian's Chromium,
and writes docs/screenshots/dashboard.png and project.png at 1280 px (the whole page), and
dashboard-phone.png and project-phone.png at 390 px (the first screen: what a client sees
before scrolling).
"""

import sys
import tempfile
from pathlib import Path

import flask_migrate
from playwright.sync_api import sync_playwright

from portal import create_app
from portal.devdata import demo
from portal.extensions import db
from tests.browser.support import DESKTOP, PHONE_390, LiveServer, launch_chromium, sign_in

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CLIENT = "client@acme.example"


def demo_app(instance: Path):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{instance / 'portal.db'}", "SECRET_KEY": "screenshots"},
        instance_path=str(instance),
    )
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo()
        db.session.commit()
    return app


def take(browser, base_url: str, viewport: dict, suffix: str) -> None:
    """The dashboard and the first project's page at one width."""
    context = browser.new_context(base_url=base_url, viewport=viewport)
    page = context.new_page()
    sign_in(page, base_url, CLIENT, demo.DEFAULT_PASSWORD)
    whole = not suffix  # a phone's first screen, a desktop's whole page
    page.goto("/")
    page.screenshot(path=OUT / f"dashboard{suffix}.png", full_page=whole)
    page.locator("article.project-card h2 a").first.click()
    page.wait_for_load_state()
    page.screenshot(path=OUT / f"project{suffix}.png", full_page=whole)
    print(f"wrote dashboard{suffix}.png and project{suffix}.png in {OUT} ({page.url})")
    context.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(demo_app(Path(tmp))).start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for viewport, suffix in ((DESKTOP, ""), (PHONE_390, "-phone")):
                    take(browser, server.url, viewport, suffix)
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
