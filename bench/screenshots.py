"""Screenshots of the client's pages for the README, taken from the demo data in a real browser.

    .venv/bin/python -m bench.screenshots        (or `make screenshots`)

Loads the demo into a throwaway SQLite database, serves it on 127.0.0.1 with the browser
tests' live server, signs in as the Acme client through the login form with Debian's Chromium,
and writes docs/screenshots/dashboard.png and project.png at 1280 px (the whole page), and
dashboard-phone.png and project-phone.png at 390 px (the first screen: what a client sees
before scrolling). Then the placement project's shortlist as the client reviews it
(shortlist.png, cards side by side; shortlist-phone.png, the first two cards stacked) and, signed
in as staff, the candidate with the booked interview and the placed one with its check-ins
(candidate-interview.png, candidate-placed.png, 1280 px).
"""

import sys
import tempfile
from pathlib import Path

import flask_migrate
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from portal import create_app
from portal.devdata import demo
from portal.devdata.demo_selection import PLACEMENT
from portal.extensions import db
from portal.projects.models import Project
from portal.selection.models import Candidate, CandidateStatus
from tests.browser.support import DESKTOP, PHONE_390, LiveServer, launch_chromium, sign_in

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CLIENT = "client@acme.example"
STAFF = "staff@demo.example"
PHONE_TWO_CARDS = 1900  # px of the phone's shortlist: the first two cards, one above the other


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


def placement_urls(app) -> dict[str, str]:
    """The demo placement's shortlist page and its interviewing and placed candidates' pages."""
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == PLACEMENT))
        base = f"/projects/{project.id}/candidates"
        urls = {"shortlist": base}
        for name, status in (("candidate-interview", CandidateStatus.INTERVIEWING),
                             ("candidate-placed", CandidateStatus.PLACED)):
            candidate = db.session.scalar(select(Candidate).where(
                Candidate.project_id == project.id, Candidate.status == status).limit(1))
            urls[name] = f"{base}/{candidate.id}"
        return urls


def take_selection(browser, base_url: str, urls: dict[str, str]) -> None:
    """The client's shortlist at 1280 and 390 px, and staff's candidate pages at 1280 px."""
    for viewport, suffix in ((DESKTOP, ""), (PHONE_390, "-phone")):
        context = browser.new_context(base_url=base_url, viewport=viewport)
        page = context.new_page()
        sign_in(page, base_url, CLIENT, demo.DEFAULT_PASSWORD)
        page.goto(urls["shortlist"])
        clip = {"x": 0, "y": 0, "width": viewport["width"], "height": PHONE_TWO_CARDS}
        page.screenshot(path=OUT / f"shortlist{suffix}.png", full_page=True,
                        clip=clip if suffix else None)
        context.close()
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, base_url, STAFF, demo.DEFAULT_PASSWORD)
    for name in ("candidate-interview", "candidate-placed"):
        page.goto(urls[name])
        page.screenshot(path=OUT / f"{name}.png", full_page=True)
    print(f"wrote shortlist.png, shortlist-phone.png and the candidate pages in {OUT}")
    context.close()


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
        app = demo_app(Path(tmp))
        urls = placement_urls(app)
        server = LiveServer(app).start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for viewport, suffix in ((DESKTOP, ""), (PHONE_390, "-phone")):
                    take(browser, server.url, viewport, suffix)
                take_selection(browser, server.url, urls)
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
