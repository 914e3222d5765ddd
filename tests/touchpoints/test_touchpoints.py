"""Staff log calls, meetings and site visits on an account; the client sees only the summary
written for them, never the internal note; the timeline lists everything, filtered and paged."""

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts import erasure
from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.touchpoints import services
from portal.touchpoints.models import Touchpoint, TouchpointKind
from tests.touchpoints.conftest import staff_of

NOTE = "Budget is tight this quarter; CFO sceptical."
SUMMARY = "We agreed to move the design review to Thursday."


def _log(post_form, browser, account_id, **fields):
    data = {"kind": "call", "occurred_on": date.today().isoformat(),
            "staff_id": "", "client_people": "Jordan Lee", "note": NOTE,
            "client_summary": SUMMARY} | fields
    return post_form(browser, f"/staff/accounts/{account_id}/touchpoints/new", data)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Touchpoint))


def test_staff_log_a_call_and_the_client_sees_the_summary_but_never_the_note(
        app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    response = _log(post_form, staff, acme.id, staff_id=str(acme.owner.id))
    assert response.status_code == 302
    timeline = staff.get(f"/staff/accounts/{acme.id}/touchpoints").get_data(as_text=True)
    assert NOTE in timeline and SUMMARY in timeline
    assert "Call: Priya Nair with Jordan Lee" in timeline
    account_page = staff.get(f"/staff/accounts/{acme.id}").get_data(as_text=True)
    assert "Call · Priya Nair with Jordan Lee" in account_page
    dashboard = signed_in("jordan@acme.example").get("/").get_data(as_text=True)
    assert "Recent contact" in dashboard and SUMMARY in dashboard
    assert "Call with Priya Nair" in dashboard
    assert NOTE not in dashboard and "sceptical" not in dashboard


def test_a_touchpoint_without_a_summary_stays_internal_and_another_client_sees_nothing(
        app, acme, make, signed_in, post_form):
    make.user("sam@globex.example", organization="Globex")
    staff = signed_in("priya@firm.example")
    _log(post_form, staff, acme.id, staff_id=str(acme.owner.id), client_summary="",
         note="Internal only")
    _log(post_form, staff, acme.id, staff_id=str(acme.owner.id), kind="meeting")
    acme_page = signed_in("jordan@acme.example").get("/").get_data(as_text=True)
    assert acme_page.count(SUMMARY) == 1 and "Internal only" not in acme_page
    globex = signed_in("sam@globex.example")
    globex_page = globex.get("/").get_data(as_text=True)
    assert "Recent contact" not in globex_page and SUMMARY not in globex_page
    for path in (f"/staff/accounts/{acme.id}/touchpoints",
                 f"/staff/accounts/{acme.id}/touchpoints/new"):
        assert globex.get(path).status_code == 404
        assert signed_in("jordan@acme.example").get(path).status_code == 404


def test_bad_input_says_what_is_wrong_and_logs_nothing(app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    owner = str(acme.owner.id)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    cases = [
        ({"occurred_on": tomorrow}, "A touchpoint is logged once it has happened"),
        ({"client_people": "  "}, "Say who from the client took part."),
        ({"note": "x" * 2001}, "Field cannot be longer than 2000 characters."),
        ({"client_summary": "y" * 1001}, "Field cannot be longer than 1000 characters."),
        ({"kind": "email"}, "Not a valid choice"),
        ({"staff_id": str(acme.client.id)}, "Not a valid choice"),
        ({"occurred_on": "yesterday"}, "Not a valid date value."),
    ]
    for fields, message in cases:
        response = _log(post_form, staff, acme.id, **({"staff_id": owner} | fields))
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
    assert _count(app) == 0


def test_a_very_long_but_allowed_touchpoint_fits_the_pages(app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    words = ("Straightforward " * 62)[:1000].strip()
    response = _log(post_form, staff, acme.id, staff_id=str(acme.owner.id),
                    client_people="P" * 200, note="n" * 2000, client_summary=words)
    assert response.status_code == 302
    assert words in signed_in("jordan@acme.example").get("/").get_data(as_text=True)


def test_a_removed_touchpoint_leaves_the_timeline_and_the_clients_page(
        app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    _log(post_form, staff, acme.id, staff_id=str(acme.owner.id))
    with app.app_context():
        touchpoint_id = db.session.scalar(select(Touchpoint.id))
    path = f"/staff/accounts/{acme.id}/touchpoints/{touchpoint_id}/remove"
    assert f'action="{path}"' in staff.get(f"/staff/accounts/{acme.id}/touchpoints").get_data(
        as_text=True)  # the timeline's Remove button
    assert post_form(staff, path, {}, form_page=f"/staff/accounts/{acme.id}/touchpoints"
                     ).status_code == 302
    assert post_form(staff, path, {}, form_page=f"/staff/accounts/{acme.id}/touchpoints"
                     ).status_code == 302  # a second click changes nothing
    assert SUMMARY not in staff.get(f"/staff/accounts/{acme.id}/touchpoints").get_data(
        as_text=True)
    assert SUMMARY not in signed_in("jordan@acme.example").get("/").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Touchpoint, touchpoint_id)
        assert row.removed_at is not None and row.removed_by_id == acme.owner.id
    other = app.test_client()
    assert other.post(path).status_code in (302, 404)  # signed out: the sign-in page


def test_the_timeline_lists_every_kind_newest_first_filtered_and_paged(app, acme, make,
                                                                       signed_in):
    project = make.project("Acme Corp", name="Website")
    make.update(project, author=acme.owner, body="Design signed off.")
    make.question(project, author=acme.client, body="Can we see the mock-ups?")
    with app.app_context():
        org = db.session.get(Organization, acme.id)
        owner = staff_of(app, "priya@firm.example")
        for days_ago in range(25):
            services.log_touchpoint(org, by=owner, kind=TouchpointKind.CALL,
                                    occurred_on=date.today() - timedelta(days=days_ago + 1),
                                    staff=owner, client_people=f"Caller {days_ago}", note="",
                                    client_summary=None)
        db.session.commit()
    staff = signed_in("priya@firm.example")
    first = staff.get(f"/staff/accounts/{acme.id}/touchpoints").get_data(as_text=True)
    assert "Page 1 of 2 · 27 in all" in first
    assert first.index("Design signed off.") < first.index("Caller 0")  # today before yesterday
    assert "Can we see the mock-ups?" in first
    second = staff.get(f"/staff/accounts/{acme.id}/touchpoints?page=2").get_data(as_text=True)
    assert "Caller 24" in second and "Caller 0<" not in second
    assert f"/staff/accounts/{acme.id}/touchpoints?page=1" in second
    only = staff.get(f"/staff/accounts/{acme.id}/touchpoints?kind=update").get_data(as_text=True)
    assert "Design signed off." in only and "Caller" not in only
    odd = staff.get(f"/staff/accounts/{acme.id}/touchpoints?kind=nonsense&page=-9")
    assert odd.status_code == 200 and "Page 1 of 2" in odd.get_data(as_text=True)


def test_logging_is_audited_and_dated_by_the_accounts_day(app, acme):
    with app.app_context():
        org = db.session.get(Organization, acme.id)
        owner = staff_of(app, "priya@firm.example")
        touchpoint = services.log_touchpoint(
            org, by=owner, kind=TouchpointKind.SITE_VISIT, occurred_on=date.today() -
            timedelta(days=1), staff=owner, client_people="Jordan", note="", client_summary=" ",
            now=utcnow())
        assert touchpoint.client_summary is None  # blank: nothing for the client
        db.session.commit()
        assert db.session.scalar(select(AuditEvent.summary).where(
            AuditEvent.action == "touchpoint.logged")).startswith("Site visit on ")


def test_erasing_the_clients_data_removes_names_notes_and_summaries_but_keeps_the_contact(
        app, acme, signed_in, post_form):
    staff = signed_in("priya@firm.example")
    _log(post_form, staff, acme.id, staff_id=str(acme.owner.id))
    with app.app_context():
        org = db.session.get(Organization, acme.id)
        admin = staff_of(app, "ada@firm.example")
        assert erasure.preview(org).touchpoints == 1
        done = erasure.erase(org, typed_name="Acme Corp", by=admin)
        db.session.commit()
        assert done.touchpoints == 1 and erasure.preview(org).touchpoints == 0
        row = db.session.scalar(select(Touchpoint))
        assert (row.client_people, row.note, row.client_summary) == (
            erasure.REMOVED, "", None)
    page = staff.get(f"/staff/accounts/{acme.id}/touchpoints").get_data(as_text=True)
    assert "Jordan Lee" not in page and NOTE not in page and SUMMARY not in page
