"""A program logs and reads touchpoints through the same service as the account page."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.api.models import Scope
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.touchpoints import services
from portal.touchpoints.models import Touchpoint, TouchpointKind
from tests.api.conftest import bearer

CALL = {"kind": "call", "client_people": "Jordan Lee", "note": "Budget is tight (internal).",
        "client_summary": "We agreed the next steps."}


def _call(**changes) -> dict:
    return {**CALL, "occurred_on": (date.today() - timedelta(days=1)).isoformat(), **changes}


def test_a_program_logs_a_touchpoint_audited_under_the_key_and_reads_it_back(
        app, make, new_key):
    acme = make.organization("Acme Corp", timezone="UTC")
    priya = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    secret = new_key(name="CRM sync")
    client = app.test_client()
    logged = client.post(f"/api/v1/accounts/{acme.id}/touchpoints", headers=bearer(secret),
                         json=_call(staff_id=priya.id))
    assert logged.status_code == 201, logged.json
    touchpoint = logged.json
    assert touchpoint["account_id"] == acme.id and touchpoint["staff_id"] == priya.id
    assert touchpoint["kind"] == "call" and touchpoint["note"] == "Budget is tight (internal)."
    assert logged.headers["Location"] == f"/api/v1/touchpoints/{touchpoint['id']}"
    read = client.get(logged.headers["Location"], headers=bearer(secret))
    assert read.status_code == 200 and read.json == touchpoint
    listed = client.get(f"/api/v1/touchpoints?account_id={acme.id}", headers=bearer(secret))
    assert [t["id"] for t in listed.json["data"]] == [touchpoint["id"]]
    with app.app_context():
        saved = db.session.get(Touchpoint, touchpoint["id"])
        assert saved.recorded_by.email == "admin@firm.example"  # the key's creator
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "touchpoint.logged")).all()
        assert [e.actor_email for e in events] == ["API key CRM sync"]


def test_without_a_staff_id_the_key_creator_was_there(app, make, new_key):
    acme = make.organization("Acme Corp", timezone="UTC")
    logged = app.test_client().post(f"/api/v1/accounts/{acme.id}/touchpoints",
                                    headers=bearer(new_key()), json=_call())
    assert logged.status_code == 201, logged.json
    with app.app_context():
        assert db.session.get(Touchpoint, logged.json["id"]).staff.email == "admin@firm.example"


def test_the_service_rules_are_422s_naming_the_field_and_change_nothing(app, make, new_key):
    acme = make.organization("Acme Corp", timezone="UTC")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    secret = new_key()
    client = app.test_client()
    url = f"/api/v1/accounts/{acme.id}/touchpoints"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    cases = [(_call(occurred_on=tomorrow), "occurred_on"),
             (_call(client_people="   "), "client_people"),
             (_call(client_people="x" * 201), "client_people"),
             (_call(note="x" * 2001), "note"),
             (_call(kind="letter"), "kind"),
             (_call(staff_id=jordan.id), "staff_id")]
    for body, field in cases:
        refused = client.post(url, headers=bearer(secret), json=body)
        assert refused.status_code == 422, (field, refused.json)
        assert field in {e["field"] for e in refused.json["errors"]}, refused.json
    assert client.post("/api/v1/accounts/2147483647/touchpoints", headers=bearer(secret),
                       json=_call()).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Touchpoint)).all() == []


def test_idempotency_key_logs_it_once_and_a_read_key_cannot_log(app, make, new_key):
    acme = make.organization("Acme Corp", timezone="UTC")
    client = app.test_client()
    url = f"/api/v1/accounts/{acme.id}/touchpoints"
    headers = bearer(new_key(), **{"Idempotency-Key": "call-77"})
    first = client.post(url, headers=headers, json=_call())
    again = client.post(url, headers=headers, json=_call())
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert client.post(url, headers=headers, json=_call(kind="meeting")).status_code == 422
    assert client.post(url, headers=bearer(new_key(Scope.READ)), json=_call()).status_code == 403
    with app.app_context():
        assert len(db.session.scalars(select(Touchpoint)).all()) == 1


def test_lists_page_by_cursor_filter_by_account_and_leave_out_removed_ones(
        app, make, new_key, key_admin):
    acme = make.organization("Acme Corp", timezone="UTC")
    globex = make.organization("Globex", timezone="UTC")
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "admin@firm.example")).one()
        logged = [services.log_touchpoint(
            db.session.merge(org), by=admin, kind=TouchpointKind.MEETING,
            occurred_on=date.today() - timedelta(days=3), staff=admin, client_people="Jo",
            note="", client_summary=None) for org in (acme, acme, acme, globex)]
        services.remove_touchpoint(logged[1], by=admin)
        db.session.commit()
        ids = [t.id for t in logged]
    secret = new_key(Scope.READ)
    client = app.test_client()
    first = client.get(f"/api/v1/touchpoints?account_id={acme.id}&limit=1",
                       headers=bearer(secret)).json
    second = client.get(f"/api/v1/touchpoints?account_id={acme.id}&limit=1&cursor="
                        f"{first['next_cursor']}", headers=bearer(secret)).json
    assert [t["id"] for t in first["data"] + second["data"]] == [ids[0], ids[2]]
    assert second["next_cursor"] is None
    everyone = client.get("/api/v1/touchpoints", headers=bearer(secret)).json["data"]
    assert [t["id"] for t in everyone] == [ids[0], ids[2], ids[3]]
    assert client.get(f"/api/v1/touchpoints/{ids[1]}", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/touchpoints").status_code == 401
