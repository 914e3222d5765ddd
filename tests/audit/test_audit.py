"""Admins can see who changed what a client sees, who signed in, from where and when."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from tests.conftest import sign_in


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_publishing_and_signing_in_are_in_the_log_with_the_address(app, signed_in, make,
                                                                    post_form, client):
    make.user("morgan@firm.example", role=Role.ADMIN)
    staff = make.user("priya@firm.example", role=Role.STAFF)
    project = make.project("Acme Corp", name="Portal")
    sign_in(client, "priya@firm.example", "a wrong password, surely")
    browser = signed_in("priya@firm.example")
    post_form(browser, f"/staff/projects/{project.id}/updates/new", {
        "status": "at_risk", "body": "Supplier late.", "eta": project.eta.isoformat(),
        "eta_confidence": "low",
    })
    actions = _actions(app)
    assert "auth.sign_in_failed" in actions and "auth.signed_in" in actions
    assert "update.published" in actions
    with app.app_context():
        published = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update.published")).one()
        assert published.actor_id == staff.id and published.ip_address == "127.0.0.1"
        assert published.organization_id == project.organization_id

    page = signed_in("morgan@firm.example").get(
        "/admin/audit?action=update.published").get_data(as_text=True)
    assert "Portal: At risk" in page and "priya@firm.example" in page
    assert "auth.signed_in</code>" not in page


def test_the_log_is_for_admins_and_cannot_be_changed(app, signed_in, make):
    make.user("priya@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    assert signed_in("priya@firm.example").get("/admin/audit").status_code == 404
    assert signed_in("jordan@acme.example").get("/admin/audit").status_code == 404
    audit_routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in audit_routes] == [["GET"]]


def test_deactivating_a_user_is_logged_by_who_did_it(app, signed_in, make, post_form):
    admin = make.user("morgan@firm.example", role=Role.ADMIN)
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    post_form(signed_in("morgan@firm.example"), f"/admin/users/{jordan.id}/deactivate", {},
              "/admin/users")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.deactivated")).one()
        assert (event.actor_id, event.target_id) == (admin.id, jordan.id)


def test_admin_changes_to_what_clients_read_and_staff_exports_are_logged(app, signed_in, make,
                                                                         post_form):
    admin = make.user("morgan@firm.example", role=Role.ADMIN)
    staff = make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("morgan@firm.example")
    post_form(browser, "/admin/content/values/new", {
        "title": "A name, not a queue", "body": "Every step has an owner.",
        "example": "Milestones show the owner.", "save": "Save"})
    post_form(browser, "/admin/content/settings", {"firm_name": "Harbour Partners",
                                                   "brand_color": "#7a1f5c"})
    with app.app_context():
        value_id = db.session.scalars(select(AuditEvent.target_id).where(
            AuditEvent.action == "content.item_added")).one()
    post_form(browser, f"/admin/content/values/{value_id}/delete", {}, "/admin/content")
    exports = signed_in("priya@firm.example")
    assert exports.get("/staff/pulses.csv").status_code == 200
    assert exports.get("/staff/health.csv").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_([
            "content.item_added", "content.settings_changed", "content.item_deleted",
            "pulses.exported", "health.exported"])).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id) for e in events] == [
            ("content.item_added", admin.id), ("content.settings_changed", admin.id),
            ("content.item_deleted", admin.id), ("pulses.exported", staff.id),
            ("health.exported", staff.id)]
        assert "Harbour Partners" in events[1].summary
        assert events[2].summary == "A name, not a queue"
