"""XSS payloads posted into every text field staff and clients can reach (project names and
summaries, milestones, updates and their reasons, questions and replies, organisation and user
names, one's own name), then every page they can open is parsed: nothing runs."""

import re

import pytest
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from tests.support.factories import PASSWORD_HASH
from tests.support.hostile import PAYLOAD, live_markup


def _posted(response, what: str) -> None:
    assert response.status_code in (200, 302), f"{what}: {response.status_code}"


@pytest.fixture
def hostile_portal(make, signed_in, post_form):
    """A portal filled with payloads, through the forms, by an admin, staff and a client."""
    admin = make.user("admin@firm.example", role=Role.ADMIN)
    make.user("priya@firm.example", role=Role.STAFF)
    staff, boss = signed_in("priya@firm.example"), signed_in("admin@firm.example")
    response = post_form(staff, "/staff/accounts/new", {
        "name": "Acme " + PAYLOAD[:100], "account_owner_id": "0", "timezone": "UTC"})
    _posted(response, "organisation")
    organization_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = post_form(boss, "/admin/users/new", {
        "name": "Jo " + PAYLOAD[:100], "email": "jordan@acme.example", "role": "client",
        "organization_id": str(organization_id), "job_title": PAYLOAD[:110]})
    _posted(response, "user")  # invited by email; here the password is set as if accepted
    with make.app.app_context():
        jordan = db.session.scalars(select(User).where(User.email == "jordan@acme.example")).one()
        jordan.password_hash = PASSWORD_HASH
        db.session.commit()
    response = post_form(staff, "/staff/projects/new", {
        "organization_id": str(organization_id), "name": "Rebuild " + PAYLOAD[:140],
        "summary": PAYLOAD, "contact_id": str(admin.id), "update_cadence_days": "7",
        "eta_confidence": "medium"})
    _posted(response, "project")
    project = int(response.headers["Location"].rsplit("/", 1)[1])
    _posted(post_form(staff, f"/staff/projects/{project}/milestones",
                      {"title": PAYLOAD[:150], "owner_id": str(admin.id)},
                      f"/projects/{project}"), "milestone")
    _posted(post_form(staff, f"/staff/projects/{project}/updates/new", {
        "status": "on_track", "body": PAYLOAD, "eta_confidence": "medium",
        "reason": PAYLOAD[:1900], "internal_note": PAYLOAD, "action": "publish"}), "update")
    client = signed_in("jordan@acme.example")
    _posted(post_form(client, f"/projects/{project}/questions",
                      {"kind": "question", "body": PAYLOAD}, f"/projects/{project}"), "question")
    _posted(post_form(client, "/account", {"name": "Jordan " + PAYLOAD[:100], "phone": "",
                                           "timezone": "", "update_emails": "immediate"}),
            "own name")
    page = client.get(f"/projects/{project}").get_data(as_text=True)
    question = re.search(rf"/projects/{project}/questions/(\d+)/replies", page)
    if question:
        _posted(post_form(staff, f"{question.group(0)}", {"body": PAYLOAD},
                          f"/projects/{project}"), "reply")
    return {"staff": staff, "admin": boss, "client": client, "project": project,
            "organization": organization_id}


def test_no_page_carries_a_payload_live(hostile_portal):
    project, organization = hostile_portal["project"], hostile_portal["organization"]
    pages = {
        "client": ["/", f"/projects/{project}", f"/projects/{project}/live", "/account",
                   "/live", "/values", "/process"],
        "staff": ["/", f"/projects/{project}", f"/staff/accounts/{organization}",
                  f"/staff/projects/{project}/updates/new", "/staff/projects/new", "/account"],
        "admin": ["/admin/users", "/admin/audit", "/", f"/projects/{project}"],
    }
    seen_payload = False
    for who, paths in pages.items():
        for path in paths:
            response = hostile_portal[who].get(path)
            assert response.status_code == 200, f"{who} {path}"
            html = response.get_data(as_text=True)
            assert live_markup(html) == [], f"{who} {path}"
            assert "<script>alert" not in html, f"{who} {path}"
            seen_payload |= "alert(" in html  # shown, as harmless text
    assert seen_payload


def test_the_client_sees_the_payload_as_text_not_markup(hostile_portal):
    page = hostile_portal["client"].get(f"/projects/{hostile_portal['project']}")
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;xss-script&#39;)&lt;/script&gt;" in html or \
        "&lt;script&gt;alert('xss-script')" in html
