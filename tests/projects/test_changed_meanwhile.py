"""Two people with the same form open: when the second saves over a change they never saw,
the form comes back with "this changed while you were editing", the current state beside it,
and their words still in the form; nothing is saved until they submit again. A change the form
does not show (a client's question) never refuses a form."""

from datetime import date, timedelta
from html import escape

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.closeout import services as closeout_services
from portal.content import services as content_services
from portal.content.models import ValueItem
from portal.extensions import db
from portal.health import settings as health_settings
from portal.projects.models import EtaChange, Project, ProjectStatus, StatusUpdate, UpdateRevision
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseQuestion, PulseRequest, PulseTemplate, Trigger
from portal.web.templating import format_date
from tests.support.forms import field_values, hidden_fields

CHANGED = "This changed while you were editing: here is the current state."


@pytest.fixture
def priya_and_sam(make):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("sam@firm.example", role=Role.STAFF, name="Sam Okafor")


def _open(browser, path: str) -> dict:
    """Open the form at `path`: the hidden fields it will send back."""
    response = browser.get(path)
    assert response.status_code == 200
    return hidden_fields(response.get_data(as_text=True))


def _publish(eta: date, body: str, reason: str = "") -> dict:
    return {"action": "publish", "status": "on_track", "eta_confidence": "medium",
            "body": body, "eta": eta.isoformat(), "reason": reason, "internal_note": ""}


def test_a_publish_over_an_eta_moved_meanwhile_comes_back_with_the_current_eta(
    app, make, signed_in, priya_and_sam, today
):
    project = make.project("Acme Corp", eta_in_days=30)
    start, earlier, later = (today + timedelta(days=days) for days in (30, 20, 25))
    path = f"/staff/projects/{project.id}/updates/new"
    priya, sam = signed_in("priya@firm.example"), signed_in("sam@firm.example")
    priya_form = _open(priya, path)  # Priya starts writing while the ETA is `start`

    sam_form = _open(sam, path)
    assert sam.post(path, data={**sam_form, **_publish(earlier, "Ahead of plan.")}
                    ).status_code == 302
    words = "Cabling is done; testing starts Monday."
    response = priya.post(path, data={**priya_form, **_publish(later, words)})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page
    assert f"ETA {format_date(earlier)}" in page  # the current state, not the one she saw
    assert escape(words) in page  # her words are still in the form
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusUpdate)) == 1

    # A client asks a question meanwhile: not a change to what the form edits, no refusal.
    make.question(project, author=make.user("kim@acme.example", organization="Acme Corp"))
    again = priya.post(path, data={**hidden_fields(page), **_publish(later, words)})
    assert again.status_code == 422  # now checked against the real ETA: later needs a reason
    assert "later than the one the client was given" in again.get_data(as_text=True)
    reasoned = priya.post(path, data={**hidden_fields(again.get_data(as_text=True)),
                                      **_publish(later, words, reason="Testing found a fault.")})
    assert reasoned.status_code == 302
    with app.app_context():
        history = db.session.execute(select(EtaChange.old_eta, EtaChange.new_eta)
                                     .order_by(EtaChange.changed_at)).all()
        assert [tuple(row) for row in history] == [(start, earlier), (earlier, later)]
        assert db.session.get(Project, project.id).eta == later


def test_a_correction_over_another_correction_shows_the_current_text_first(
    app, make, signed_in, priya_and_sam
):
    project = make.project("Acme Corp")
    update = make.update(project, author=make.user("lee@firm.example", role=Role.STAFF),
                         body="Launch on Fridya.")
    path = f"/staff/updates/{update.id}/edit"
    priya, sam = signed_in("priya@firm.example"), signed_in("sam@firm.example")
    priya_form = _open(priya, path)

    assert sam.post(path, data={**_open(sam, path), "body": "Launch on Friday 14th.",
                                "internal_note": ""}).status_code == 302
    response = priya.post(path, data={**priya_form, "body": "Launch on Friday.",
                                      "internal_note": "Typo"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "Launch on Friday 14th." in page and "Launch on Friday.<" in page
    again = priya.post(path, data={**hidden_fields(page), "body": "Launch on Friday.",
                                   "internal_note": "Typo"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(StatusUpdate, update.id).body == "Launch on Friday."
        assert db.session.scalars(select(UpdateRevision.body).order_by(
            UpdateRevision.replaced_at)).all() == ["Launch on Fridya.", "Launch on Friday 14th."]


def _closeout_form(care_id: int, **changes) -> dict:
    return {"summary": "We moved the data centre.", "outcomes": "No downtime.", "lessons": "",
            "care_contact_id": str(care_id), "care_reach": "", "publish": "Save",
            "care_next_steps": "Sam calls in 30 days."} | changes


def test_a_closeout_edited_meanwhile_comes_back_with_its_current_text(
    app, make, signed_in, priya_and_sam
):
    project = make.project("Acme Corp", status=ProjectStatus.DONE)
    with app.app_context():
        care = make.user("care@firm.example", role=Role.STAFF, name="Casey Care")
        closeout_services.publish_closeout(
            db.session.get(Project, project.id), care_contact=db.session.merge(care),
            summary="We moved the data centre.", outcomes="No downtime.",
            care_next_steps="Sam calls in 30 days.")
        db.session.commit()
    path = f"/staff/projects/{project.id}/closeout"
    priya, sam = signed_in("priya@firm.example"), signed_in("sam@firm.example")
    priya_form = _open(priya, path)
    assert sam.post(path, data={**_open(sam, path), **_closeout_form(
        care.id, summary="We moved the data centre in one weekend.")}).status_code == 302

    response = priya.post(path, data={**priya_form, **_closeout_form(
        care.id, outcomes="No downtime; power use down 18%.")})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "in one weekend" in page and "power use down 18%" in page
    with app.app_context():
        closeout = db.session.get(Project, project.id).closeout
        assert closeout.outcomes == "No downtime."


def test_a_value_edited_meanwhile_by_another_admin_comes_back_with_its_current_text(
    app, make, signed_in
):
    make.user("morgan@firm.example", role=Role.ADMIN)
    make.user("alex@firm.example", role=Role.ADMIN)
    with app.app_context():
        value = content_services.add_item(ValueItem, by=None, title="Candour",
                                          body="We say what we see.", example="Early news.")
        db.session.commit()
        value_id = value.id
    path = f"/admin/content/values/{value_id}/edit"
    morgan, alex = signed_in("morgan@firm.example"), signed_in("alex@firm.example")
    morgan_form = _open(morgan, path)
    assert alex.post(path, data={**_open(alex, path), "title": "Candour", "save": "Save",
                                 "body": "We say what we see, early.",
                                 "example": "Early news."}).status_code == 302

    response = morgan.post(path, data={**morgan_form, "title": "Candour", "save": "Save",
                                       "body": "We say what we see.",
                                       "example": "Bad news first, with a plan."})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "We say what we see, early." in page and "with a plan" in page
    with app.app_context():
        assert db.session.get(ValueItem, value_id).example == "Early news."


@pytest.fixture
def morgan_and_alex(make):
    make.user("morgan@firm.example", role=Role.ADMIN, name="Morgan Reyes")
    make.user("alex@firm.example", role=Role.ADMIN, name="Alex Kim")


def test_health_settings_saved_over_another_admins_change_come_back_with_the_current_ones(
    app, signed_in, morgan_and_alex
):
    path = "/admin/health/settings"
    morgan, alex = signed_in("morgan@firm.example"), signed_in("alex@firm.example")
    morgan_form, alex_form = (field_values(browser.get(path).get_data(as_text=True))
                              for browser in (morgan, alex))  # both open the settings
    assert alex.post(path, data=alex_form | {"green_from": "80"}).status_code == 302

    response = morgan.post(path, data=morgan_form | {"amber_from": "40"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "Green from 80, amber from 50" in page  # Alex's, now
    assert field_values(page)["amber_from"] == "40"  # Morgan's, still in the form
    with app.app_context():
        assert health_settings.current_config().amber_from == 50  # nothing saved
    again = morgan.post(path, data=field_values(page) | {"green_from": "80", "amber_from": "40"})
    assert again.status_code == 302
    with app.app_context():
        config = health_settings.current_config()
        assert (config.green_from, config.amber_from) == (80, 40)  # both changes kept


def test_a_pulse_template_reworded_meanwhile_comes_back_with_the_current_questions(
    app, signed_in, morgan_and_alex
):
    morgan, alex = signed_in("morgan@firm.example"), signed_in("alex@firm.example")
    morgan.get("/admin/pulses/templates")  # the defaults are made on the first visit
    with app.app_context():
        template_id = db.session.scalar(select(PulseTemplate.id).where(
            PulseTemplate.trigger == Trigger.UPDATE))
    path = f"/admin/pulses/templates/{template_id}"
    morgan_form = field_values(morgan.get(path).get_data(as_text=True))
    alex_form = field_values(alex.get(path).get_data(as_text=True))
    assert alex.post(path, data=alex_form | {
        "questions-0-prompt": "How well are we keeping you informed?"}).status_code == 302

    response = morgan.post(path, data=morgan_form | {
        "questions-1-prompt": "Anything we should do differently?",
        "questions-1-scale": "csat"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "How well are we keeping you informed?" in page
    assert "Anything we should do differently?" in page
    with app.app_context():
        prompts = db.session.scalars(select(PulseQuestion.prompt).where(
            PulseQuestion.template_id == template_id)).all()
    assert prompts == ["How well are we keeping you informed?"]


def test_two_staff_resolving_one_follow_up_keep_both_notes(app, make, signed_in,
                                                          priya_and_sam):
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    request = make.pulse(client)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: 1 for q in pulse.template.questions},
                              comments={})
        db.session.commit()
        follow_up_id = db.session.scalar(select(FollowUp.id))
    priya, sam = signed_in("priya@firm.example"), signed_in("sam@firm.example")
    priya_token, sam_token = (hidden_fields(browser.get("/staff/pulses").get_data(
        as_text=True))["csrf_token"] for browser in (priya, sam))  # both have the list open
    path = f"/staff/follow-ups/{follow_up_id}/resolve"
    assert sam.post(path, data={"csrf_token": sam_token, "summary": "A weekly call from now on.",
                                "note": "Called Jordan; a weekly call from now on."}
                    ).status_code == 302

    response = priya.post(path, data={"csrf_token": priya_token, "summary": "We sent the plan.",
                                      "note": "Emailed the plan to Jordan's manager."},
                          follow_redirects=True)

    assert "your note is added to theirs" in response.get_data(as_text=True)
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.resolved_by.email == "sam@firm.example"
        assert follow_up.resolution == ("Called Jordan; a weekly call from now on.\n\n"
                                        "Priya Nair: Emailed the plan to Jordan's manager. "
                                        "(for the client: We sent the plan.)")
