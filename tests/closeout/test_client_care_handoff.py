"""The hand-off to client care: the account's health page as it stood goes to the client-care
owner (email and staff home), who gets its health alerts while no project is open, and whose
"Anything we can help with?" pulse reaches the client 90 days on."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.closeout import jobs
from portal.closeout.handoff import send_care_pulses
from portal.closeout.models import CareHandoff, Closeout
from portal.closeout.services import edit_closeout
from portal.extensions import db
from portal.health.alerts import alert_owner
from portal.health.models import Band, HealthReview, HealthSnapshot, Mood
from portal.health.snapshots import snapshot_week
from portal.health.weeks import week_start
from portal.notifications.models import MessageKind
from portal.projects.models import ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger
from tests.support.mail import outbox


@pytest.fixture
def acme(app, make):
    priya = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    carla = make.user("carla@firm.example", role=Role.STAFF, name="Carla Diaz")
    make.organization("Acme Corp")
    jordan = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    make.user("kim@acme.example", organization="Acme Corp", name="Kim Lee")
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    with app.app_context():
        org = db.session.scalars(select(Organization)).one()
        org.account_owner = db.session.get(User, priya.id)
        this_week = week_start(datetime.now(UTC))
        snapshot_week(this_week, alert=False)
        snapshot = db.session.scalars(select(HealthSnapshot)).one()
        snapshot.score, snapshot.band = 64, Band.AMBER  # what the hand-off must carry
        for back in range(4):  # four weekly reviews: the hand-off keeps the newest three
            db.session.add(HealthReview(
                organization_id=org.id, week_start=this_week - timedelta(days=7 * back),
                reviewer_id=priya.id, mood=Mood.WATCH, note=f"Review {back}",
                next_action=f"Action {back}", next_action_on=date(2026, 12, 20)))
        db.session.commit()
    # An unhappy answer leaves an open follow-up.
    request = make.pulse(jordan, project=project)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: q.scale.bounds[0]
                                             for q in pulse.template.questions}, comments={})
        db.session.commit()
    return {"priya": priya, "carla": carla, "project": project, "org_id": project.organization_id}


def _handoff(app) -> CareHandoff:
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.scalars(select(CareHandoff)).one()
        db.session.commit()
        return found


def test_the_care_owner_gets_the_health_page_as_it_stood_by_email_and_on_staff_home(
        app, make, acme, signed_in):
    make.closeout(acme["project"], contact=acme["carla"])
    health = _handoff(app).health
    assert health["score"] == 64
    assert [r["note"] for r in health["reviews"]] == ["Review 0", "Review 1", "Review 2"]
    assert [f["client"] for f in health["open_follow_ups"]] == ["Jordan Blake"]
    assert health["metrics"] and all("name" in m and "inputs" in m for m in health["metrics"])
    with app.app_context():  # a later rescore does not rewrite what was handed over
        snapshot = db.session.scalars(select(HealthSnapshot)).one()
        snapshot.score, snapshot.band = 20, Band.RED
        db.session.commit()
    assert _handoff(app).health["score"] == 64

    [email] = [m for m in outbox(app) if m.kind == MessageKind.CARE_HANDOFF]
    assert email.to_address == "carla@firm.example"
    assert "64" in email.text_body and "Review 2" in email.text_body
    assert "Review 3" not in email.text_body and "Jordan Blake" in email.text_body
    assert "Anything we can help with?" in email.text_body
    assert not [m for m in outbox(app) if m.kind == MessageKind.CARE_HANDOFF
                and m.to_address.endswith("@acme.example")]  # health is internal

    carla_home = signed_in("carla@firm.example").get("/").get_data(as_text=True)
    assert "Handed to you for client care" in carla_home and "Review 1" in carla_home
    priya_home = signed_in("priya@firm.example").get("/").get_data(as_text=True)
    assert "Handed to you for client care" not in priya_home


def test_with_no_other_open_project_the_care_owner_gets_the_health_alerts(app, make, acme):
    make.closeout(acme["project"], contact=acme["carla"])
    with app.app_context():
        org = db.session.get(Organization, acme["org_id"])
        assert org.care_owner_id == acme["carla"].id
        assert alert_owner(org).email == "carla@firm.example"
    make.project("Acme Corp", name="Second site")  # new work: the account owner again
    with app.app_context():
        assert alert_owner(db.session.get(Organization, acme["org_id"])).email == \
            "priya@firm.example"


def test_with_another_open_project_the_account_owner_keeps_the_alerts(app, make, acme):
    make.project("Acme Corp", name="Helpdesk cover")
    make.closeout(acme["project"], contact=acme["carla"])
    with app.app_context():
        org = db.session.get(Organization, acme["org_id"])
        assert org.care_owner_id is None
        assert alert_owner(org).email == "priya@firm.example"


def test_the_care_pulse_goes_90_days_on_once_through_the_pulse_schedule(app, make, acme):
    make.closeout(acme["project"], contact=acme["carla"])
    handed = _handoff(app).handed_at
    with app.app_context():
        assert send_care_pulses(handed + timedelta(days=89)) == []
        assert len(send_care_pulses(handed + timedelta(days=90))) == 2  # Jordan and Kim
        db.session.commit()
        assert send_care_pulses(handed + timedelta(days=91)) == []
        requests = db.session.scalars(select(PulseRequest).where(
            PulseRequest.trigger == Trigger.CARE)).all()
        assert {r.user.email for r in requests} == {"jordan@acme.example", "kim@acme.example"}
    care_emails = [m for m in outbox(app) if m.kind == MessageKind.PULSE_REQUEST
                   and m.subject.startswith("Anything we can help with?")]
    assert len(care_emails) == 2
    assert "Carla Diaz looks after you" in care_emails[0].text_body


def test_the_care_pulse_job_sends_a_due_care_pulse_and_not_twice(app, make, acme):
    make.closeout(acme["project"], contact=acme["carla"])
    with app.app_context():
        handoff = db.session.scalars(select(CareHandoff)).one()
        handoff.handed_at -= timedelta(days=91)
        handoff.care_pulse_due_at -= timedelta(days=91)
        db.session.commit()
        jobs.run_care_pulses()
        jobs.run_care_pulses()
        assert db.session.scalars(select(PulseRequest).where(
            PulseRequest.trigger == Trigger.CARE)).all().__len__() == 2


def test_naming_another_care_contact_passes_the_hand_off_to_them(app, make, acme):
    closeout = make.closeout(acme["project"], contact=acme["carla"])
    with app.app_context():
        found = db.session.get(Closeout, closeout.id)
        edit_closeout(found, care_contact=db.session.get(User, acme["priya"].id),
                      summary=found.summary, outcomes=found.outcomes, lessons=found.lessons,
                      care_reach=found.care_reach, care_next_steps=found.care_next_steps)
        db.session.commit()
        assert db.session.scalars(select(CareHandoff)).one().care_owner_id == acme["priya"].id
        assert db.session.get(Organization, acme["org_id"]).care_owner_id == acme["priya"].id
    assert [m.to_address for m in outbox(app) if m.kind == MessageKind.CARE_HANDOFF] == [
        "carla@firm.example", "priya@firm.example"]
