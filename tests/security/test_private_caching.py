"""What a signed-in person sees is never kept by a browser or a shared proxy: every page is
walked as a client and as staff and must say `Cache-Control: no-store`; the PDF and the live
polls say `private, no-cache` so their ETags still answer 304; public pages and static files
keep their caching."""

from datetime import date

import pytest

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project, ProjectStatus
from portal.pulses import services as pulses
from portal.selection import admin_settings, decisions, profiles, shortlists
from portal.selection.models import DecisionKind
from portal.web.live import polling_endpoints
from tests.conftest import sign_in
from tests.selection.conftest import pdf_bytes

OTHER_VALUES = {"action": "deactivate", "kind": "values", "token": "not-a-valid-token",
                "filename": "css/portal.css"}
# The same bytes for everyone, signed in or not, and nothing about the person: cached publicly.
SAME_FOR_EVERYONE = {"content.favicon"}
# Pages the issue names, which the walk must reach with a 200.
NAMED = {
    "client": {"/", "/account", "/projects/{project_id}", "/projects/{closed_id}/closeout",
               "/values", "/process"},
    "staff": {"/", "/account", "/account/two-factor", "/projects/{project_id}",
              "/projects/{closed_id}/closeout", "/staff/pulses", "/admin/users"},
}


def _presented_candidate(app, project_id: int, staff_id: int, client_id: int) -> dict:
    """A candidate with a CV presented to the client, and the client's decision on it."""
    with app.app_context():
        admin_settings.seed_defaults()
        by = db.session.get(User, staff_id)
        candidate = profiles.add_candidate(
            db.session.get(Project, project_id), by=by, display_name="Maria Silva",
            sourced_on=date.today(), cv=pdf_bytes(), cv_name="cv.pdf")
        shortlists.present_shortlist(candidate.project, [candidate], by=by)
        decision = decisions.decide(candidate, decisions.DecisionInput(DecisionKind.INVITE),
                                    by=db.session.get(User, client_id))
        db.session.commit()
        return {"candidate_id": candidate.id, "decision_id": decision.id, "reason_id": 1}


@pytest.fixture
def firm(app, make):
    """An admin (staff), a client of Acme, an open project with its story, a closed one."""
    admin = make.user("priya@firm.example", role=Role.ADMIN, name="Priya Nair")
    client = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Customer portal rebuild")
    milestone = make.milestone(project, owner=admin)
    update = make.update(project, author=admin)
    question = make.question(project, author=client)
    closed = make.project("Acme Corp", name="Data centre move", status=ProjectStatus.DONE)
    make.closeout(closed, contact=admin)
    return {"project_id": project.id, "closed_id": closed.id,
            "organization_id": project.organization_id, "user_id": client.id,
            "question_id": question.id, "milestone_id": milestone.id, "update_id": update.id,
            "item_id": 1, "follow_up_id": 1, "template_id": 1, "alert_id": 1, "endpoint_id": 1,
            "delivery_id": 1, **_presented_candidate(app, project.id, admin.id, client.id)}


def _get_urls(app, firm) -> list[tuple[str, str]]:
    """(endpoint, URL) of every page, with this firm's objects in it (and the closed project
    for the closeout's own pages)."""
    adapter, urls = app.url_map.bind("localhost"), []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {**firm, **OTHER_VALUES}
        if rule.endpoint.startswith("closeout."):
            values["project_id"] = firm["closed_id"]
        urls.append((rule.endpoint, adapter.build(
            rule.endpoint, {name: values[name] for name in rule.arguments})))
    return urls


@pytest.mark.parametrize("who", ["client", "staff"])
def test_every_page_a_signed_in_person_sees_is_not_stored(app, firm, who):
    browser = app.test_client()
    sign_in(browser, "jordan@acme.example" if who == "client" else "priya@firm.example")
    reached, revalidating = set(), polling_endpoints(app) | {"closeout.download"}
    for endpoint, url in _get_urls(app, firm):
        response = browser.get(url)
        cache_control = response.headers.get("Cache-Control", "")
        revalidated = endpoint in revalidating and response.status_code == 200
        expected = "private, no-cache" if revalidated else "no-store"
        if endpoint in SAME_FOR_EVERYONE:
            expected = response.headers["Cache-Control"]
            assert "public" in expected and "no-store" not in expected
        assert cache_control == expected, f"{who} {url} ({response.status_code})"
        if response.status_code == 200:
            reached.add(url)
    named = {page.format(**firm) for page in NAMED[who]}
    assert named <= reached, named - reached
    assert len(reached) >= (8 if who == "client" else 30)


def test_a_live_poll_still_answers_304_and_a_pdf_comes_without_retry_after(app, firm):
    browser = app.test_client()
    sign_in(browser, "jordan@acme.example")
    live = browser.get(f"/projects/{firm['project_id']}/live")
    etag = live.headers["ETag"]
    again = browser.get(f"/projects/{firm['project_id']}/live", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, no-cache"
    pdf = browser.get(f"/projects/{firm['closed_id']}/closeout.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-cache"
    assert "Retry-After" not in pdf.headers  # only a 429 or 503 asks to come back later


def test_a_pulse_link_page_is_not_stored_either(app, make, firm):
    client = make.user("elena@acme.example", organization="Acme Corp")
    request = make.pulse(client)
    with app.app_context():
        token = pulses.answer_token(request)
    response = app.test_client().get(f"/pulses/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_keep_their_caching(app, firm):
    anonymous = app.test_client()
    for page in ("/values", "/process", "/login"):
        response = anonymous.get(page)
        assert response.status_code == 200 and "no-store" not in response.headers.get(
            "Cache-Control", ""), page
    signed_in = app.test_client()
    sign_in(signed_in, "jordan@acme.example")
    page = signed_in.get("/").get_data(as_text=True)
    stylesheet = page.split('href="/static/css/', 1)[1].split('"', 1)[0]
    with signed_in.get(f"/static/css/{stylesheet}".replace("&amp;", "&")) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "public" in response.headers["Cache-Control"]
