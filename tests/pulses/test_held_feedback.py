"""Staff who tick "Ask the client for feedback" are told what happened: who was asked, and
whose pulse the 14-day rule holds, with the date it will go (it said "Update published." only)."""

from datetime import UTC, datetime, timedelta

from portal.auth.models import Role
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, RequestState
from tests.pulses.test_pulses import acme  # noqa: F401 (fixture)
from tests.support.rows import count_rows


def _publish_asking_feedback(post_form, staff, project):
    return post_form(staff, f"/staff/projects/{project.id}/updates/new", {
        "status": "on_track", "body": "Design signed off.", "eta": project.eta.isoformat(),
        "eta_confidence": "high", "ask_feedback": "y",
    })


def test_a_held_pulse_is_announced_with_the_day_it_goes(
        app, acme, make, signed_in, post_form):  # noqa: F811
    make.user("sam@acme.example", organization="Acme Corp", name="Sam Patel")
    last = datetime.now(UTC) - timedelta(days=3)
    make.pulse(acme["client"], now=last)  # Jordan had one three days ago; Sam had none
    staff = signed_in("priya@firm.example")
    response = _publish_asking_feedback(post_form, staff, acme["project"])
    assert response.status_code == 302

    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    goes = last + timedelta(days=14)
    assert ("Update published. Feedback: Sam Patel is asked now; held by the 14-day rule "
            "(at most one pulse a person every 14 days), so it goes to Jordan Blake on "
            f"{goes:%-d %b %Y}.") in page
    with app.app_context():
        held = db.session.scalars(
            db.select(PulseRequest).where(PulseRequest.state == RequestState.HELD)).one()
        assert held.user_id == acme["client"].id
        assert pulses.held_until(held).date() == goes.date()
        assert pulses.release_held(goes - timedelta(minutes=1)) == []
        assert [r.id for r in pulses.release_held(goes)] == [held.id]
        db.session.commit()


def test_an_account_without_client_users_is_said_to_have_no_one_to_ask(
        app, make, signed_in, post_form):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Initech")
    staff = signed_in("priya@firm.example")
    response = _publish_asking_feedback(post_form, staff, project)
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "No feedback was asked: the account has no active client users." in page
    assert count_rows(app, PulseRequest) == 0
