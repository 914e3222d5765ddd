"""What every signed-in page's header shows (the firm's branding, the pulse banner, who is
signed in) comes with the user in one statement (portal/web/facts.py), and a cached page still
shows every change to it on the very next request, in every worker."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import event, select

from portal.accounts.models import Organization
from portal.auth import services as auth
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project
from tests.conftest import make_app
from tests.support.factories import PASSWORD
from tests.support.servers import Browser, Gunicorn

ADMIN, CLIENT = "morgan@firm.example", "jordan@acme.example"
# Statements of a repeat visit, as tests/operations/test_query_counts.py pins them.
CACHED_COST = {"/": 1, "project": 2}
BANNER = re.compile(r'class="pulse-banner">.*?href="([^"]+)"', re.S)


@pytest.fixture
def acme(make) -> int:
    """An admin, a staff member, a client of Acme and Acme's project; the project's id."""
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user(CLIENT, organization="Acme Corp", name="Jordan Blake")
    return make.project("Acme Corp").id


def visit(app, browser, path: str) -> tuple[str, int]:
    """A page and the number of SQL statements it cost."""
    statements = []

    def count(*args) -> None:
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = browser.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True), len(statements)


def cost(path: str) -> int:
    """What a repeat visit to this page costs, in statements."""
    return CACHED_COST.get(path, CACHED_COST["project"])


def test_a_client_sees_the_firms_new_name_and_colour_on_the_next_cached_page(
    app, signed_in, post_form, acme
):
    client = signed_in(CLIENT)
    for path in ("/", f"/projects/{acme}"):
        visit(app, client, path)
        page, statements = visit(app, client, path)
        assert "Northwind Partners" in page and statements == cost(path), path
    response = post_form(signed_in(ADMIN), "/admin/content/settings",
                         {"firm_name": "Harbour & Co", "brand_color": "#f5d90a"})
    assert response.status_code == 302
    for path in ("/", f"/projects/{acme}"):
        page, _ = visit(app, client, path)
        assert "Harbour &amp; Co" in page and "Northwind" not in page, path
        assert "--accent: #f5d90a; --accent-ink: #1d2430" in page, path


def test_a_pulse_asked_shows_its_banner_on_the_clients_next_page_and_answering_hides_it(
    app, signed_in, post_form, acme
):
    client = signed_in(CLIENT)
    visit(app, client, "/")
    page, statements = visit(app, client, "/")
    assert not BANNER.search(page) and statements == cost("/")
    response = post_form(signed_in("priya@firm.example"), f"/staff/projects/{acme}/updates/new", {
        "status": "on_track", "body": "Design signed off.", "eta": _eta(app, acme),
        "eta_confidence": "high", "ask_feedback": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    page, statements = visit(app, client, f"/projects/{acme}")
    link = BANNER.search(page)
    assert link, "the client is asked on the very next page"
    form = client.get(link.group(1)).get_data(as_text=True)
    question = re.search(r'name="(q\d+)"', form).group(1)
    response = post_form(client, link.group(1), {question: "5"})
    assert "Thank you" in response.get_data(as_text=True)
    for path in ("/", f"/projects/{acme}"):
        page, _ = visit(app, client, path)
        assert not BANNER.search(page), path
        assert visit(app, client, path)[1] == cost(path), f"{path} is cached again"


def test_a_renamed_client_sees_their_new_name_and_a_deactivated_one_is_signed_out(
    app, signed_in, acme
):
    client = signed_in(CLIENT)
    visit(app, client, "/")
    assert "Jordan Blake" in visit(app, client, "/")[0]
    with app.app_context():
        db.session.scalars(select(User).filter_by(email=CLIENT)).one().name = "Jordan Kim"
        db.session.commit()
    page, _ = visit(app, client, "/")
    assert "Jordan Kim" in page and "Jordan Blake" not in page
    with app.app_context():
        db.session.scalars(select(User).filter_by(email=CLIENT)).one().active = False
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _eta(app, project_id: int) -> str:
    """The ETA the client was given (an update keeping it needs no reason)."""
    with app.app_context():
        return db.session.get(Project, project_id).eta.isoformat()


@pytest.fixture
def served(tmp_path):
    """gunicorn with 2 workers on a SQLite file holding an admin and a client of Acme."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    app = make_app(url, str(tmp_path / "setup"))
    with app.app_context():
        flask_migrate.upgrade()
        auth.create_user(email=ADMIN, name="Morgan Reyes", role=Role.ADMIN, password=PASSWORD)
        acme = Organization(name="Acme Corp", slug="acme-corp")
        auth.create_user(email=CLIENT, name="Jordan Blake", role=Role.CLIENT, organization=acme,
                         password=PASSWORD)
        db.session.commit()
        db.engine.dispose()
    server = Gunicorn(database_url=url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log")
    server.wait_until_serving("/healthz")
    yield server.base, server.log, app
    server.stop()


def _signed_in(base: str, email: str) -> Browser:
    browser = Browser(base)
    status, _, _ = browser.post_form("/login", {"email": email, "password": PASSWORD})
    assert status == 302, f"{email} could not sign in"
    return browser


def _every_worker(browser: Browser, log: Path, path: str) -> list[tuple[int, str]]:
    """Concurrent GETs of `path` until both workers have answered some of them (bounded)."""
    seen, answers = len(log.read_text().splitlines()), []
    for _ in range(20):
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers += [(status, page) for status, _, page in
                        pool.map(lambda _: browser.request(path), range(8))]
        lines = [line.split() for line in log.read_text().splitlines()[seen:]]
        if len({line[0] for line in lines if line[1:3] == ["GET", path]}) == 2:
            return answers
    raise AssertionError("the second gunicorn worker never answered")


def test_both_workers_show_a_new_firm_name_and_sign_out_a_deactivated_client_at_once(served):
    base, log, app = served
    client, admin = _signed_in(base, CLIENT), _signed_in(base, ADMIN)
    answers = _every_worker(client, log, "/")
    assert all(status == 200 and "Northwind Partners" in page for status, page in answers)
    status, _, _ = admin.post_form("/admin/content/settings",
                                   {"firm_name": "Harbour & Co", "brand_color": "#1f4e79"})
    assert status == 302
    answers = _every_worker(client, log, "/")
    assert all(status == 200 and "Harbour &amp; Co" in page and "Northwind" not in page
               for status, page in answers)
    with app.app_context():
        db.session.scalars(select(User).filter_by(email=CLIENT)).one().active = False
        db.session.commit()
        db.engine.dispose()
    answers = _every_worker(client, log, "/")
    assert all(status == 302 for status, _ in answers)
