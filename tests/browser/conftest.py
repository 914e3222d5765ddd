"""Browser fixtures: one Chromium and one live server per session, a fresh context per test.

The live server serves the test's own `app` (tests/conftest.py), so rows made with `make` in
the same test are what the browser sees, and the tables are emptied after the test as usual.
Browser tests never skip: without Chromium they fail, and CI checks that they ran.
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from portal.auth.models import Role
from portal.projects.models import ProjectStatus
from tests.browser import support


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; one for the whole session."""
    with sync_playwright() as playwright:
        try:
            browser = support.launch_chromium(playwright)
        except support.ChromiumMissing as error:
            pytest.fail(str(error), pytrace=False)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _live_server() -> Iterator[support.LiveServer]:
    server = support.LiveServer().start()
    yield server
    server.stop()


@pytest.fixture
def live_server(_live_server, app) -> Iterator[support.LiveServer]:
    """The session's server, serving this test's app for the length of the test."""
    _live_server.serve(app)
    yield _live_server
    _live_server.serve(None)


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Page]]:
    """More pages, each in its own context: another person on another device."""
    contexts = []

    def open_page(**options) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=options.pop("viewport", support.DESKTOP), **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page in a fresh browser context (own cookies), at desktop size, with base_url set."""
    return new_page()


@pytest.fixture
def sign_in(live_server) -> Callable[..., None]:
    """sign_in(page, email): sign in through the real login form."""

    def sign_in_as(page: Page, email: str, **kwargs) -> None:
        support.sign_in(page, live_server.url, email, **kwargs)

    return sign_in_as


@pytest.fixture
def portal_data(make) -> SimpleNamespace:
    """An organisation with a client, staff with names, a project with milestones and updates."""
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    lead = make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Warehouse scanners rollout", contact=staff,
                           summary="Replace the **hand scanners** in both warehouses.")
    make.milestone(project, title="Site survey", owner=lead, planned_in_days=7)
    make.milestone(project, title="Pilot in Leeds", owner=staff, planned_in_days=21)
    make.update(project, author=staff, body="Survey booked for *Tuesday*.")
    make.update(project, author=lead, body="Scanners ordered; the supplier is a week late.",
                status=ProjectStatus.AT_RISK, eta=date.today() + timedelta(days=45),
                reason="The scanner supplier delivers a week later than promised.")
    other = make.project("Acme Corp", name="Helpdesk cover", status=ProjectStatus.BLOCKED,
                         contact=lead)
    return SimpleNamespace(staff=staff, lead=lead, client=client, project=project, other=other)


def pytest_terminal_summary(terminalreporter) -> None:
    """One line CI looks for: how many browser tests passed and how many did not."""
    stats = terminalreporter.stats
    browser_reports = [
        report for key in ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
        for report in stats.get(key, [])
        if getattr(report, "nodeid", "").startswith("tests/browser/")
        and getattr(report, "when", "call") in ("call", "setup")
    ]
    passed = sum(1 for r in browser_reports if r.when == "call" and r.outcome == "passed")
    not_passed = sum(1 for r in browser_reports if r.outcome != "passed")
    terminalreporter.write_line(f"browser tests: {passed} passed, {not_passed} not passed")
