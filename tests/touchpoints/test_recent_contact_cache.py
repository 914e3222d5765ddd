"""The client's "Recent contact" panel is cached until its touchpoints change, or until a staff
member it names changes their name or photo: the client then sees the new name on their next
visit, and a repeat visit still costs one statement."""

from datetime import date

from portal.extensions import db
from portal.touchpoints import services
from tests.operations.test_query_counts import statements_for
from tests.touchpoints.conftest import staff_of

SUMMARY = "We agreed to move the design review to Thursday."


def test_a_renamed_staff_member_shows_renamed_in_recent_contact(
        app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    logged = post_form(staff, f"/staff/accounts/{acme.id}/touchpoints/new", {
        "kind": "call", "occurred_on": date.today().isoformat(), "staff_id": str(acme.owner.id),
        "client_people": "Jordan Lee", "note": "", "client_summary": SUMMARY})
    assert logged.status_code == 302
    client = signed_in("jordan@acme.example")
    assert "Call with Priya Nair" in client.get("/").get_data(as_text=True)
    assert len(statements_for(app, client, "/")) == 1  # cached, read with the user

    response = post_form(staff, "/account", {"name": "Priya Sharma", "phone": "",
                                             "timezone": "", "update_emails": "immediate"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert "Call with Priya Sharma" in page and "Priya Nair" not in page
    assert len(statements_for(app, client, "/")) == 1

    with app.app_context():
        before = services.recent_contact_version(staff_of(app, "jordan@acme.example"))
        staff_of(app, "priya@firm.example").photo_version = "0123456789abcdef"
        db.session.commit()
        after = services.recent_contact_version(staff_of(app, "jordan@acme.example"))
    assert before[:2] == after[:2] and before != after  # a new photo renders it again too
