"""Closing a project out reaches the client as one email: the closeout with its pulse inside."""

import re

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import ProjectStatus
from portal.pulses.models import PulseRequest, RequestState
from tests.support.mail import deliver


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_closing_a_project_out_sends_the_client_one_email_with_the_pulse_inside(
    app, make, signed_in, post_form, smtp
):
    priya = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    staff = signed_in("priya@firm.example")
    response = post_form(staff, f"/staff/projects/{project.id}/closeout", {
        "summary": "Everything moved, **on time**.", "outcomes": "All racks in place.",
        "care_contact_id": priya.id, "care_next_steps": "A call in a month.",
        "delivered_on": project.started_on.isoformat(), "publish": "Publish",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    deliver(app)

    to_jordan = [m for rcpts, m in smtp.messages if rcpts == ["jordan@acme.example"]]
    assert len(to_jordan) == 1, [m["Subject"] for m in to_jordan]
    assert to_jordan[0]["Subject"].startswith("Warehouse move is delivered: your closeout summary")
    text = _plain(to_jordan[0])
    assert "Priya Nair" in text and f"/projects/{project.id}/closeout" in text
    # It promises no figure an admin may have switched off (promises kept): only what is sure.
    assert "who looks after you now" in text and "kept our dates" not in text
    with app.app_context():
        pulse = db.session.scalars(select(PulseRequest)).one()
        assert pulse.state == RequestState.SENT and pulse.user.email == "jordan@acme.example"
        low, high = pulse.template.questions[0].scale.bounds
    scores = re.findall(r"https://portal\.example\.test/pulses/[^?\s]+\?score=(\d+)", text)
    assert scores == [str(n) for n in range(low, high + 1)]
    link = re.search(r"https://portal\.example\.test(/pulses/[^?\s]+)\?score=", text).group(1)
    assert signed_in("jordan@acme.example").get(link).status_code == 200
