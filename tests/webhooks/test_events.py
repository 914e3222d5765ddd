"""Each of the eleven events is written by the service that makes the change, in its
transaction, and its payload matches the schema the API document publishes."""

from datetime import date, timedelta

import jsonschema
import pytest
from sqlalchemy import select

from portal.accounts import invitations
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.extensions import db
from portal.health import alerts
from portal.health.models import Band, HealthSnapshot
from portal.projects import questions
from portal.projects import services as projects
from portal.projects.models import Milestone, Project, ProjectStatus, Question
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseRequest
from portal.webhooks.models import EventType, WebhookEvent
from portal.webhooks.payloads import webhook_schemas
from tests.webhooks.support import event_types, register


@pytest.fixture
def listening(app, make):
    """An endpoint that chose every event (nothing is recorded for events nobody chose)."""
    return register(app, make, "https://93.184.215.14/hooks")


@pytest.fixture
def people(make):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Website relaunch")
    return staff, client, project


def _payloads(app) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    with app.app_context():
        for event in db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)):
            found.setdefault(event.type, []).append(event.payload)
    return found


def test_every_event_comes_from_its_service_and_matches_its_schema(
        app, make, listening, people):
    staff, client, project = people
    request = make.pulse(client, project=project)  # first: the fatigue rule holds later ones
    make.update(project, author=staff, body="Going well.",
                eta=date.today() + timedelta(days=45), reason="The client added a page.")
    milestone = make.milestone(project, title="Design")
    question = make.question(project, author=client, body="Is the staging site up?")
    with app.app_context():
        staff_row = db.session.get(User, staff.id)
        projects.move_milestone_eta(db.session.get(Milestone, milestone.id),
                                    eta=date.today() + timedelta(days=20), by=staff_row,
                                    reason="Waiting for copy.")
        projects.complete_milestone(db.session.get(Milestone, milestone.id), on=date.today(),
                                    by=staff_row)
        questions.reply_to(db.session.get(Question, question.id), author=staff_row,
                           body="Yes, since this morning.")
        db.session.commit()
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: 1 for q in pulse.template.questions},
                              comments={})
        db.session.commit()
        pulses.resolve_follow_up(db.session.scalar(select(FollowUp)),
                                 by=db.session.get(User, staff.id), note="Called Jordan.")
        invitee = auth_services.create_user(
            email="nia@acme.example", name="Nia Okafor", role=Role.CLIENT,
            organization=db.session.get(Project, project.id).organization)
        db.session.flush()
        invitations.send_invitation(invitee, by=db.session.get(User, staff.id))
        red = HealthSnapshot(organization_id=project.organization_id,
                             week_start=date.today() - timedelta(days=date.today().weekday()),
                             score=30, band=Band.RED, metrics=[])
        db.session.add(red)
        db.session.flush()
        alerts.raise_alert(red, None)
        db.session.commit()
    done = make.project("Acme Corp", name="Finished work", status=ProjectStatus.DONE)
    make.closeout(done, contact=staff, summary="Everything delivered.")

    found = _payloads(app)
    assert set(found) == {e.value for e in EventType}
    schemas = webhook_schemas()
    for event_type, payloads in found.items():
        for payload in payloads:
            jsonschema.validate(payload, schemas[event_type])
            assert payload["type"] == event_type and payload["version"] == 1
    assert found["eta.changed"][0]["data"]["reason"] == "The client added a page."
    assert {p["data"]["milestone"]["title"] for p in found["eta.changed"]
            if p["data"]["milestone"]} == {"Design"}
    assert found["question.answered"][0]["data"]["body"] == "Yes, since this morning."
    assert found["follow_up.resolved"][0]["data"]["resolution"] == "Called Jordan."
    assert found["contact.invited"][0]["data"]["email"] == "nia@acme.example"
    assert found["health.alert"][0]["data"]["entered_red"] is True


def test_an_update_payload_never_carries_the_internal_note(app, make, listening, people):
    staff, _, project = people
    make.update(project, author=staff, body="All good.", internal_note="Client is slow to pay.")
    [payload] = _payloads(app)["update.published"]
    assert "slow to pay" not in str(payload)


def test_a_client_reply_is_not_an_answer(app, make, listening, people):
    _, client, project = people
    question = make.question(project, author=client)
    with app.app_context():
        questions.reply_to(db.session.get(Question, question.id),
                           author=db.session.get(User, client.id), body="Any news?")
        db.session.commit()
    assert event_types(app) == ["question.asked"]


def test_nothing_is_recorded_when_no_endpoint_chose_the_event(app, make, people):
    staff, _, project = people
    register(app, make, "https://93.184.215.14/hooks", events=["health.alert"])
    make.update(project, author=staff)
    assert event_types(app) == []


def test_the_schemas_cover_every_event_and_are_valid_json_schema():
    schemas = webhook_schemas()
    assert set(schemas) == {e.value for e in EventType}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["required"] == ["type", "timestamp", "data", "version"]
