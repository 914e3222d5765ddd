"""The cached parts of the dashboard and the project page (portal/web/fragments.py) are never stale
after a change a client can see, never another organisation's, and never carry staff-only
content to a client. Each story visits a page twice first, so the second visit comes from the
cache and what follows would show a stale or shared copy."""

import re

from flask.testing import FlaskClient

from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import ProjectStatus
from portal.projects.pages import CSRF_SLOT
from portal.web.text_cache import TextCache
from tests.support.factories import Factories

NOTE = "INTERNAL-CACHE-NOTE"


def visit(browser: FlaskClient, path: str) -> str:
    """The page, visited twice: the second copy is the cached one, if any."""
    browser.get(path)
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def staff_member(make: Factories):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


def test_a_clients_open_dashboard_shows_an_update_right_after_staff_publish_it(make, signed_in):
    staff = staff_member(make)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    jordan = signed_in("jordan@acme.example")
    assert "On track" in visit(jordan, "/")
    etag = jordan.get("/live").headers["ETag"].strip('"')

    make.update(project, author=staff, body="Blocked on access.", status=ProjectStatus.BLOCKED)

    assert "Blocked" in jordan.get("/").get_data(as_text=True)
    live = jordan.get("/live", headers={"If-None-Match": etag})
    assert live.status_code == 200 and "Blocked" in live.get_data(as_text=True)


def test_a_clients_open_project_page_shows_an_update_right_after_staff_publish_it(
    make, signed_in
):
    staff = staff_member(make)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    make.update(project, author=staff, body="Design signed off.")
    jordan = signed_in("jordan@acme.example")
    assert "Design signed off." in visit(jordan, f"/projects/{project.id}")
    etag = jordan.get(f"/projects/{project.id}/live").headers["ETag"].strip('"')

    make.update(project, author=staff, body="Build started.", internal_note=NOTE)

    page = jordan.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Build started." in page and NOTE not in page
    live = jordan.get(f"/projects/{project.id}/live", headers={"If-None-Match": etag})
    assert live.status_code == 200 and "Build started." in live.get_data(as_text=True)


def test_a_client_never_sees_the_internal_note_staff_saw_on_the_same_page(make, signed_in):
    staff = staff_member(make)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    make.update(project, author=staff, body="Going well.", internal_note=NOTE)
    priya = signed_in("priya@firm.example")
    jordan = signed_in("jordan@acme.example")

    assert NOTE in visit(priya, f"/projects/{project.id}")
    for path in (f"/projects/{project.id}", f"/projects/{project.id}/live",
                 f"/projects/{project.id}?updates=all"):
        assert NOTE not in visit(jordan, path)
    assert NOTE in visit(priya, f"/projects/{project.id}")  # and staff still see it after
    assert NOTE in priya.get(f"/projects/{project.id}/live").get_data(as_text=True)


def test_two_accounts_with_the_same_shape_never_share_a_dashboard(make, signed_in):
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("lena@globex.example", organization="Globex")
    make.project("Acme Corp", name="Acme warehouse move")
    make.project("Globex", name="Globex payroll")  # the same count and versions: "d1-1"
    acme, globex = signed_in("jordan@acme.example"), signed_in("lena@globex.example")
    assert acme.get("/live").headers["ETag"] == globex.get("/live").headers["ETag"]

    assert "Acme warehouse move" in visit(acme, "/")
    page = visit(globex, "/")
    assert "Globex payroll" in page and "Acme" not in page
    assert "Acme" not in globex.get("/live").get_data(as_text=True)


def test_each_client_sees_times_in_their_own_timezone_on_a_shared_page(app, make, signed_in):
    staff = staff_member(make)
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    make.user("sam@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    make.update(project, author=staff, body="Started.")
    with app.app_context():
        db.session.get(type(jordan), jordan.id).timezone = "Asia/Tokyo"
        db.session.commit()

    assert "JST" in visit(signed_in("jordan@acme.example"), f"/projects/{project.id}")
    page = visit(signed_in("sam@acme.example"), f"/projects/{project.id}")
    assert "JST" not in page and "UTC" in page


def test_a_new_firm_name_shows_at_once_on_a_clients_dashboard(make, signed_in, post_form):
    make.user("admin@firm.example", role=Role.ADMIN)
    make.user("jordan@acme.example", organization="Acme Corp")  # no projects yet
    jordan = signed_in("jordan@acme.example")
    assert "Your contact at Northwind Partners will add them" in visit(jordan, "/")

    response = post_form(signed_in("admin@firm.example"), "/admin/content/settings",
                         {"firm_name": "Harbour Partners", "brand_color": "#1f4e79"})
    assert response.status_code == 302

    page = jordan.get("/").get_data(as_text=True)
    assert "Your contact at Harbour Partners will add them" in page
    assert "Northwind" not in page


def test_a_reply_sent_from_a_cached_thread_carries_the_senders_own_csrf_token(make, signed_in):
    make.user("jordan@acme.example", organization="Acme Corp")
    sam = make.user("sam@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    question = make.question(project, author=sam, body="When is the demo?")
    jordan = signed_in("jordan@acme.example")
    visit(jordan, f"/projects/{project.id}")  # the threads are cached with Jordan's visit

    browser = signed_in("sam@acme.example")
    page = visit(browser, f"/projects/{project.id}")
    tokens = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page))
    assert len(tokens) == 1 and CSRF_SLOT not in page  # the ask and reply forms: Sam's token
    reply = browser.post(f"/projects/{project.id}/questions/{question.id}/replies",
                         data={"body": "Thursday works for us.", "csrf_token": tokens.pop()})
    assert reply.status_code == 302

    # and Jordan, whose copy was cached before, sees Sam's reply at once
    assert "Thursday works for us." in jordan.get(f"/projects/{project.id}").get_data(
        as_text=True)


def test_a_worker_keeps_at_most_its_budget_of_html_and_drops_the_least_recently_used():
    cache, renders = TextCache(max_characters=10), []

    def render(text: str):
        return lambda: renders.append(text) or text

    cache.get_or_render("a", render("aaaa"))
    cache.get_or_render("b", render("bbbb"))
    cache.get_or_render("a", render("aaaa"))  # kept, and now the most recently used
    cache.get_or_render("c", render("cccc"))  # over budget: "b" goes
    assert cache.get_or_render("a", render("aaaa")) == "aaaa"
    cache.get_or_render("b", render("bbbb"))
    assert renders == ["aaaa", "bbbb", "cccc", "bbbb"]
    assert cache.characters <= 10


def test_a_contact_who_changes_their_phone_shows_it_on_clients_open_pages_at_once(
    make, signed_in, post_form
):
    staff = staff_member(make)
    make.user("jordan@acme.example", organization="Acme Corp")
    contact_of = make.project("Acme Corp", name="Portal rebuild", contact=staff)
    owner_in = make.project("Acme Corp", name="Office move")
    make.milestone(owner_in, title="Keys handed over", owner=staff)
    jordan = signed_in("jordan@acme.example")
    pages = ["/", f"/projects/{contact_of.id}", f"/projects/{owner_in.id}"]
    for path in pages:
        assert "+44 20 7946 0999" not in visit(jordan, path)
    tags = {path: jordan.get(path.rstrip("/") + "/live").headers["ETag"] for path in pages}

    response = post_form(signed_in("priya@firm.example"), "/account", {
        "name": "Priya Nair", "phone": "+44 20 7946 0999", "timezone": "",
        "update_emails": "immediate"})
    assert response.status_code == 302

    for path in pages:
        assert "+44 20 7946 0999" in jordan.get(path).get_data(as_text=True), path
        live = jordan.get(path.rstrip("/") + "/live", headers={"If-None-Match": tags[path]})
        assert live.status_code == 200, f"{path}: an open page would keep the old number"
