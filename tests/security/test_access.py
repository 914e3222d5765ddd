"""Who sees what: a client sees only its own organisation; staff pages do not exist for clients."""

from datetime import date

import pytest

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project, ProjectStatus
from portal.selection import admin_settings, decisions, profiles, shortlists
from portal.selection.models import DecisionKind
from tests.conftest import csrf_token

# item_id: a firm value or process step; only admins edit them (everyone reads the public pages).
OBJECT_ARGUMENTS = {
    "project_id", "organization_id", "user_id", "question_id", "item_id", "update_id",
    "follow_up_id", "template_id", "alert_id", "milestone_id", "candidate_id", "decision_id",
    "reason_id",
    "endpoint_id", "delivery_id",  # webhook endpoints and their deliveries: admins only
    "touchpoint_id",
    "key_id",
}
# The JSON API reads no session: a signed-in client there gets 401 whatever the id
# (tests/api/test_keys.py); API keys are firm-wide, created by admins.
API_PREFIX = "/api/v1/"
# Arguments that pick a page rather than an object, with the value the checks use.
# token: a signed pulse or unsubscribe token, its own proof of access; a bad one is refused.
# external_id: the firm's own id for a record, in the API's upsert URLs (a key is needed).
OTHER_ARGUMENTS = {"action": "deactivate", "filename": "css/portal.css", "kind": "values",
                   "token": "not-a-valid-token", "external_id": "JIRA-42"}


def _globex_candidate(app, project_id: int, staff_id: int, client_id: int) -> tuple[int, int]:
    """A candidate presented to Globex, with a Globex decision on it."""
    with app.app_context():
        admin_settings.seed_defaults()
        by = db.session.get(User, staff_id)
        candidate = profiles.add_candidate(
            db.session.get(Project, project_id), by=by, display_name="Globex-only candidate",
            sourced_on=date.today())
        shortlists.present_shortlist(candidate.project, [candidate], by=by)
        decision = decisions.decide(candidate, decisions.DecisionInput(DecisionKind.INVITE),
                                    by=db.session.get(User, client_id))
        db.session.commit()
        return candidate.id, decision.id


@pytest.fixture
def two_clients(app, make):
    """Acme and Globex, each with a client user and projects; staff and an admin."""
    staff = make.user("staff@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("admin@firm.example", role=Role.ADMIN)
    make.user("jordan@acme.example", organization="Acme Corp")
    globex_user = make.user("elena@globex.example", organization="Globex")
    acme = make.project("Acme Corp", name="Customer portal rebuild")
    acme_step = make.milestone(acme, title="Design")
    globex = make.project("Globex", name="Network refresh")
    milestone = make.milestone(globex, title="Secret Globex milestone", owner=staff)
    update = make.update(globex, author=staff, body="Globex-only news")
    question = make.question(globex, author=globex_user, body="Globex-only question")
    closed = make.project("Globex", name="Globex data centre move", status=ProjectStatus.DONE)
    make.closeout(closed, contact=staff, summary="Globex-only closeout")
    candidate, decision = _globex_candidate(app, globex.id, staff.id, globex_user.id)
    touchpoint = make.touchpoint("Globex", by=staff, summary="Globex-only summary")
    return {"candidate": candidate, "decision": decision,
            "acme": acme, "globex": globex, "globex_user": globex_user, "question": question,
            "update": update, "globex_closed": closed, "milestone": milestone,
            "acme_step": acme_step, "touchpoint": touchpoint}


def _url_for_rule(app, rule, values: dict) -> str:
    arguments = {**values, **OTHER_ARGUMENTS}
    return app.url_map.bind("localhost").build(
        rule.endpoint, {name: arguments[name] for name in rule.arguments}
    )


def _object_routes(app):
    return [r for r in app.url_map.iter_rules() if r.arguments & OBJECT_ARGUMENTS]


def test_every_route_taking_an_id_is_checked(app):
    # Routes with other arguments would need their own entry in OBJECT_ARGUMENTS.
    for rule in app.url_map.iter_rules():
        unknown = rule.arguments - OBJECT_ARGUMENTS - set(OTHER_ARGUMENTS)
        assert not unknown, f"{rule.rule} takes {unknown}: decide who may use it"
    assert len(_object_routes(app)) >= 5


def test_a_client_of_acme_gets_404_for_every_globex_url(app, signed_in, two_clients):
    browser = signed_in("jordan@acme.example")
    token = csrf_token(browser, "/")
    globex = two_clients["globex"]
    values = {
        "project_id": globex.id,
        "organization_id": globex.organization_id,
        "user_id": two_clients["globex_user"].id,
        "question_id": two_clients["question"].id,
        "item_id": 1,
        "update_id": two_clients["update"].id,
        "follow_up_id": 1,
        "template_id": 1,
        "alert_id": 1,
        "milestone_id": two_clients["milestone"].id,
        "endpoint_id": 1, "delivery_id": 1,
        "candidate_id": two_clients["candidate"], "decision_id": two_clients["decision"],
        "reason_id": 1,
        "touchpoint_id": two_clients["touchpoint"].id,
        "key_id": 1,
    }
    closed_out = {**values, "project_id": two_clients["globex_closed"].id}
    for rule in _object_routes(app):
        if rule.rule.startswith(API_PREFIX):
            assert browser.get(_url_for_rule(app, rule, values)).status_code in (401, 405)
            continue
        for url in {_url_for_rule(app, rule, values), _url_for_rule(app, rule, closed_out)}:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = browser.open(url, method=method, data={"csrf_token": token})
                body = response.get_data(as_text=True)
                assert response.status_code == 404, f"{method} {url}"
                assert "Network refresh" not in body and "Globex-only" not in body
                assert "data centre" not in body and "Secret Globex" not in body


def test_a_question_of_another_organisation_is_404_even_under_ones_own_project(
    signed_in, two_clients, post_form
):
    browser = signed_in("jordan@acme.example")
    acme, question = two_clients["acme"], two_clients["question"]
    response = post_form(browser, f"/projects/{acme.id}/questions/{question.id}/replies",
                         {"body": "Sneaky"}, f"/projects/{acme.id}")
    assert response.status_code == 404


def test_a_client_sees_their_own_project_but_not_staff_pages(signed_in, two_clients):
    browser = signed_in("jordan@acme.example")
    page = browser.get(f"/projects/{two_clients['acme'].id}")
    assert page.status_code == 200
    assert "Customer portal rebuild" in page.get_data(as_text=True)
    acme, own = two_clients["acme"], two_clients["acme_step"].id
    for staff_page in ("/staff/accounts/new", "/staff/projects/new", "/admin/users",
                       f"/staff/projects/{acme.id}/updates/new",
                       f"/staff/projects/{acme.id}/milestones/{own}/rename",
                       f"/staff/projects/{acme.id}/milestones/{own}/delete"):
        assert browser.get(staff_page).status_code == 404, staff_page


def test_a_clients_dashboard_lists_only_their_organisations_projects(signed_in, two_clients):
    page = signed_in("jordan@acme.example").get("/").get_data(as_text=True)
    assert "Customer portal rebuild" in page
    assert "Network refresh" not in page and "Globex" not in page


def test_staff_see_every_account_but_not_admin_pages(signed_in, two_clients):
    browser = signed_in("staff@firm.example")
    page = browser.get("/").get_data(as_text=True)
    assert "Acme Corp" in page and "Globex" in page
    assert browser.get(f"/projects/{two_clients['globex'].id}").status_code == 200
    assert browser.get("/admin/users").status_code == 404


def test_admins_manage_users(signed_in, two_clients):
    page = signed_in("admin@firm.example").get("/admin/users").get_data(as_text=True)
    assert "jordan@acme.example" in page and "elena@globex.example" in page


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(app, client, two_clients):
    values = {"project_id": 1, "organization_id": 1, "user_id": 1, "question_id": 1, "item_id": 1,
              "update_id": 1, "follow_up_id": 1, "template_id": 1, "alert_id": 1,
              "milestone_id": 1, "endpoint_id": 1, "delivery_id": 1, "candidate_id": 1,
              "decision_id": 1, "reason_id": 1, "touchpoint_id": 1, "key_id": 1}
    # /login/two-factor is the second step of signing in: without a password step just taken
    # it sends the visitor back to /login (tests/auth/test_two_factor.py).
    # The API's description and its docs page hold no data (the API itself needs a key).
    public = {"/api/docs", "/api/v1/openapi.json",
              "/login", "/login/two-factor", "/healthz", "/static/<path:filename>", "/values",
              "/process", "/branding/logo", "/favicon.ico", "/pulses/<token>",
              "/unsubscribe/<token>", "/follow-ups/<token>",  # "Did this fix it?", like pulses
              # Email links and the forms that ask for them: for people not signed in
              # (tests/auth/test_email_sign_in.py); a bad token gets a clear 404 page.
              "/login/forgot", "/login/reset/<token>", "/login/email-link",
              "/login/email-link/<token>", "/invitations/<token>",
              "/account/email/confirm/<token>",
              # A client's private feeds, read by calendars and feed readers by their link
              # alone; a bad link is a 404 (tests/feeds).
              "/feeds/<token>/updates.atom", "/feeds/<token>/etas.ics"}
    for rule in app.url_map.iter_rules():
        if rule.rule in public:
            continue
        url = _url_for_rule(app, rule, values)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            if rule.rule.startswith(API_PREFIX):  # a program without a key: 401, no redirect
                assert response.status_code == 401, f"{method} {url}"
                continue
            assert response.status_code == 302, f"{method} {url}"
            assert response.headers["Location"].startswith("/login")


SECURITY_PAGES_FOR_STAFF = ["/account/two-factor"]  # /account/password is for everyone
SECURITY_POSTS_FOR_STAFF = ["/account/two-factor/recovery-codes", "/account/two-factor/disable"]


def test_security_pages_exist_only_for_those_they_serve(signed_in, two_clients):
    client = signed_in("jordan@acme.example")
    token = csrf_token(client, "/")
    for page in [*SECURITY_PAGES_FOR_STAFF, "/admin/security"]:
        assert client.get(page).status_code == 404, page
    for page in [*SECURITY_POSTS_FOR_STAFF, f"/admin/users/{two_clients['globex_user'].id}/role"]:
        assert client.post(page, data={"csrf_token": token}).status_code == 404, page
    staff = signed_in("staff@firm.example")
    for page in SECURITY_PAGES_FOR_STAFF:
        assert staff.get(page).status_code == 200, page
    assert staff.get("/admin/security").status_code == 404
    assert signed_in("admin@firm.example").get("/admin/security").status_code == 200
    assert client.get("/account/confirm").status_code == 200  # anyone signed in may confirm


def test_invitations_are_for_staff_and_admins_only(signed_in, two_clients):
    acme = two_clients["acme"].organization_id
    assert signed_in("jordan@acme.example").get(f"/staff/accounts/{acme}/invite").status_code == 404
    assert signed_in("staff@firm.example").get(f"/staff/accounts/{acme}/invite").status_code == 200
    assert signed_in("admin@firm.example").get(f"/staff/accounts/{acme}/invite").status_code == 200


def test_email_link_pages_answer_a_forged_token_with_a_clear_404(client):
    for path in ("/invitations/forged", "/login/reset/forged", "/login/email-link/forged"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "This link cannot be used" in response.get_data(as_text=True)


def test_the_two_factor_step_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
