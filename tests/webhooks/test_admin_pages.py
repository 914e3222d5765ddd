"""An admin registers an endpoint from the Firm content page, copies its secret, rotates it,
sees the last deliveries with what the receiver answered, and sends one again; staff and
clients cannot see any of it; bad input changes nothing."""

import re

import pytest

from portal.auth.models import Role
from portal.webhooks.models import DeliveryStatus
from tests.support.mail import run_jobs
from tests.webhooks.support import ADMIN, deliveries, endpoint_now, register


@pytest.fixture
def admin(make, signed_in):
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    return signed_in(ADMIN)


def test_an_admin_finds_webhooks_on_the_firm_content_page_and_adds_one(app, admin, post_form):
    assert 'href="/admin/webhooks"' in admin.get("/admin/content").get_data(as_text=True)
    response = post_form(admin, "/admin/webhooks", {
        "url": "https://93.184.215.14/portal-events", "description": "Our CRM",
        "kind": "json", "events": ["update.published", "eta.changed"]})
    assert response.status_code == 302
    page = admin.get(response.location).get_data(as_text=True)
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", page).group(0)
    assert "update.published, eta.changed" in page and "Our CRM" in page
    listing = admin.get("/admin/webhooks").get_data(as_text=True)
    assert "https://93.184.215.14/portal-events" in listing and secret not in listing


@pytest.mark.parametrize("fill, message", [
    ({"url": "http://93.184.215.14/x"}, "https://"),
    ({"url": "https://10.0.0.1/x"}, "public internet"),
    ({"url": "https://[::1]/x"}, "public internet"),
    ({"url": ""}, "Give the URL"),
    ({"url": "https://93.184.215.14/" + "x" * 2001}, "2000"),
    ({"events": []}, "Choose at least one event"),
    ({"events": ["nothing.happened"]}, "not a valid choice"),
    ({"kind": "xml"}, "Not a valid choice"),
])
def test_bad_input_gets_a_clear_message_and_adds_nothing(app, admin, post_form, fill, message):
    form = {"url": "https://93.184.215.14/x", "kind": "json", "events": ["update.published"],
            **fill}
    response = post_form(admin, "/admin/webhooks", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "No endpoints yet" in admin.get("/admin/webhooks").get_data(as_text=True)


def test_staff_and_clients_see_no_webhook_page(app, make, signed_in):
    endpoint = register(app, make, "https://93.184.215.14/x")
    make.user("priya@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    for email in ("priya@firm.example", "jordan@acme.example"):
        browser = signed_in(email)
        assert browser.get("/admin/webhooks").status_code == 404
        assert browser.get(f"/admin/webhooks/{endpoint.id}").status_code == 404
        assert browser.post(f"/admin/webhooks/{endpoint.id}/rotate").status_code in (400, 404)
    assert endpoint_now(app, endpoint.id).secret == endpoint.secret


def test_rotating_shows_both_secrets_while_they_overlap(app, make, admin, post_form):
    endpoint = register(app, make, "https://93.184.215.14/x")
    page = f"/admin/webhooks/{endpoint.id}"
    assert post_form(admin, f"{page}/rotate", {}, page).status_code == 302
    shown = admin.get(page).get_data(as_text=True)
    now = endpoint_now(app, endpoint.id)
    assert now.secret in shown and endpoint.secret in shown and "Previous secret" in shown


def test_the_page_shows_the_last_deliveries_and_sends_one_again(
        app, make, admin, post_form, receiver):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp", name="Website relaunch")
    endpoint = register(app, make, receiver.url(), events=["update.published"])
    receiver.answers = [500]
    make.update(project, author=staff)
    run_jobs(app)
    page = f"/admin/webhooks/{endpoint.id}"
    shown = admin.get(page).get_data(as_text=True)
    assert "update.published" in shown and "HTTP 500" in shown and "try later" in shown
    [delivery] = deliveries(app)
    response = post_form(admin, f"{page}/deliveries/{delivery.id}/again", {}, page)
    assert response.status_code == 302
    run_jobs(app)
    assert len(receiver.received) == 2
    assert [d.status for d in deliveries(app)][-1] == DeliveryStatus.DELIVERED
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers[
        "webhook-id"]


def test_a_disabled_endpoint_can_be_enabled_again_and_removed(app, make, admin, post_form):
    from portal.db import utcnow
    from portal.extensions import db
    from portal.webhooks import services
    from portal.webhooks.models import WebhookEndpoint

    endpoint = register(app, make, "https://93.184.215.14/x")
    with app.app_context():
        services.disable_endpoint(db.session.get(WebhookEndpoint, endpoint.id), now=utcnow(),
                                  reason="Every delivery failed for 24 hours.")
        db.session.commit()
    page = f"/admin/webhooks/{endpoint.id}"
    assert "Disabled" in admin.get(page).get_data(as_text=True)
    post_form(admin, f"{page}/enable", {}, page)
    assert endpoint_now(app, endpoint.id).active
    assert post_form(admin, f"{page}/delete", {}, page).location.endswith("/admin/webhooks")
    assert admin.get(page).status_code == 404


def _audit_summaries(app, action: str) -> list[str]:
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.summary)
                                       .where(AuditEvent.action == action)))


def test_an_admin_edits_an_endpoint_and_its_secret_stays(app, make, admin, post_form):
    endpoint = register(app, make, "https://93.184.215.14/old", events=["update.published"])
    page = f"/admin/webhooks/{endpoint.id}"
    assert f'href="{page}/edit"' in admin.get(page).get_data(as_text=True)
    form = admin.get(f"{page}/edit").get_data(as_text=True)
    assert 'value="https://93.184.215.14/old"' in form and "Our CRM" in form
    checked = re.findall(r'<input checked[^>]*type="checkbox" value="([^"]+)"', form)
    assert checked == ["update.published"]
    response = post_form(admin, f"{page}/edit", {
        "url": "https://93.184.215.14/new", "description": "The new CRM", "kind": "chat",
        "events": ["eta.changed", "question.asked"]})
    assert response.status_code == 302 and response.location.endswith(page)
    shown = admin.get(page).get_data(as_text=True)
    assert "Endpoint saved." in shown and "https://93.184.215.14/new" in shown
    assert "eta.changed, question.asked" in shown and "a readable chat message" in shown
    now = endpoint_now(app, endpoint.id)
    assert (now.url, now.description, now.kind.value, now.events) == (
        "https://93.184.215.14/new", "The new CRM", "chat", ["eta.changed", "question.asked"])
    assert now.secret == endpoint.secret
    [summary] = _audit_summaries(app, "webhook.edited")
    assert summary == ("url: 'https://93.184.215.14/old' -> 'https://93.184.215.14/new'; "
                       "description: 'Our CRM' -> 'The new CRM'; "
                       "events: 'update.published' -> 'eta.changed, question.asked'; "
                       "kind: 'json' -> 'chat'")


@pytest.mark.parametrize("fill, message", [
    ({"url": "http://93.184.215.14/x"}, "https://"),
    ({"url": "https://10.0.0.1/x"}, "public internet"),
    ({"url": "https://169.254.169.254/latest/meta-data/"}, "public internet"),
    ({"url": ""}, "Give the URL"),
    ({"events": []}, "Choose at least one event"),
    ({"kind": "xml"}, "Not a valid choice"),
])
def test_a_bad_edit_gets_a_clear_message_and_changes_nothing(
        app, make, admin, post_form, fill, message):
    endpoint = register(app, make, "https://93.184.215.14/x", events=["update.published"])
    page = f"/admin/webhooks/{endpoint.id}/edit"
    form = {"url": "https://93.184.215.14/y", "kind": "json", "events": ["eta.changed"],
            **fill}
    response = post_form(admin, page, form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    now = endpoint_now(app, endpoint.id)
    assert (now.url, now.events) == ("https://93.184.215.14/x", ["update.published"])
    assert _audit_summaries(app, "webhook.edited") == []


def test_an_edit_needs_the_forms_token_and_an_admin(app, make, admin, signed_in):
    endpoint = register(app, make, "https://93.184.215.14/x")
    page = f"/admin/webhooks/{endpoint.id}/edit"
    data = {"url": "https://93.184.215.14/y", "kind": "json", "events": ["eta.changed"]}
    assert admin.post(page, data=data).status_code in (400, 422)  # no CSRF token
    make.user("priya@firm.example", role=Role.STAFF)
    staff = signed_in("priya@firm.example")
    assert staff.get(page).status_code == 404
    assert admin.get("/admin/webhooks/999999/edit").status_code == 404
    assert endpoint_now(app, endpoint.id).url == "https://93.184.215.14/x"


def test_a_new_url_enables_a_disabled_endpoint_and_other_edits_do_not(
        app, make, admin, post_form, receiver):
    from portal.db import utcnow
    from portal.extensions import db
    from portal.webhooks import services
    from portal.webhooks.models import WebhookEndpoint

    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp")
    endpoint = register(app, make, "https://93.184.215.14/gone", events=["update.published"])
    with app.app_context():
        services.disable_endpoint(db.session.get(WebhookEndpoint, endpoint.id), now=utcnow(),
                                  reason="Every delivery failed for 24 hours.")
        db.session.commit()
    page = f"/admin/webhooks/{endpoint.id}"
    assert "a new URL turns it back on" in admin.get(f"{page}/edit").get_data(as_text=True)
    post_form(admin, f"{page}/edit", {"url": "https://93.184.215.14/gone", "kind": "json",
                                      "events": ["update.published", "eta.changed"]})
    assert not endpoint_now(app, endpoint.id).active  # same URL: still disabled
    response = post_form(admin, f"{page}/edit", {
        "url": receiver.url(), "kind": "json", "events": ["update.published"]})
    assert response.status_code == 302
    assert "enabled again" in admin.get(page).get_data(as_text=True)
    now = endpoint_now(app, endpoint.id)
    assert now.active and now.disabled_at is None and now.failing_since is None
    make.update(project, author=staff, body="Heard at the new address.")
    run_jobs(app)
    [got] = receiver.received
    assert got.payload["data"]["body"] == "Heard at the new address."


def test_two_admins_editing_at_once_the_second_sees_the_first_change_and_loses_nothing(
        app, make, admin, signed_in, post_form):
    make.user("sam@firm.example", role=Role.ADMIN, name="Sam Admin")
    other = signed_in("sam@firm.example")
    endpoint = register(app, make, "https://93.184.215.14/x", events=["update.published"])
    page = f"/admin/webhooks/{endpoint.id}/edit"
    opened = admin.get(page).get_data(as_text=True)  # Morgan opens the form first
    version = re.search(r'name="edit_version" type="hidden" value="([0-9a-f]+)"', opened)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', opened)
    post_form(other, page, {"url": "https://93.184.215.14/sams", "kind": "json",
                            "events": ["update.published"]})
    response = admin.post(page, data={
        "url": "https://93.184.215.14/morgans", "kind": "json", "events": ["eta.changed"],
        "edit_version": version.group(1), "csrf_token": token.group(1)})
    assert response.status_code == 409
    shown = response.get_data(as_text=True)
    assert "This changed while you were editing" in shown
    assert "https://93.184.215.14/sams" in shown  # the current state
    assert 'value="https://93.184.215.14/morgans"' in shown  # what Morgan typed, kept
    assert endpoint_now(app, endpoint.id).url == "https://93.184.215.14/sams"
    again = re.search(r'name="edit_version" type="hidden" value="([0-9a-f]+)"', shown)
    response = admin.post(page, data={
        "url": "https://93.184.215.14/morgans", "kind": "json", "events": ["eta.changed"],
        "edit_version": again.group(1), "csrf_token": token.group(1)})
    assert response.status_code == 302
    assert endpoint_now(app, endpoint.id).url == "https://93.184.215.14/morgans"
