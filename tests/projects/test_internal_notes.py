"""An internal note is for staff: no page, email or PDF a client can reach ever carries it."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import StatusUpdate
from portal.pulses.models import PulseRequest
from portal.pulses.services import answer_token
from tests.support.mail import deliver

MARKER = "INTERNAL-7Q2X-NOTE"


def _client_urls(app, values: dict) -> list[str]:
    """Every GET page of the app, filled in with the client's own objects."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not rule.arguments <= set(values):
            continue
        urls.append(adapter.build(rule.endpoint, {a: values[a] for a in rule.arguments}))
    return urls


def test_an_internal_note_reaches_no_client_page_email_or_pdf(app, make, signed_in, post_form,
                                                              smtp):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    milestone = make.milestone(project, title="Build", owner=staff)
    staff_browser = signed_in("priya@firm.example")
    publish = f"/staff/projects/{project.id}/updates/new"
    post_form(staff_browser, publish, {
        "status": "at_risk", "body": "The supplier is late.", "eta": project.eta.isoformat(),
        "eta_confidence": "low", "ask_feedback": "y", "internal_note": f"CFO unhappy {MARKER}",
    })
    with app.app_context():
        update = db.session.scalars(select(StatusUpdate)).one()
    post_form(staff_browser, f"/staff/updates/{update.id}/edit",
              {"body": "The supplier is late; new date soon.", "internal_note": MARKER})
    post_form(staff_browser, publish, {
        "status": "done", "body": "All delivered.", "eta": project.eta.isoformat(),
        "eta_confidence": "high", "internal_note": f"margin was thin {MARKER}",
        "milestones-0-milestone_id": milestone.id, "milestones-0-owner_id": staff.id,
        "milestones-0-completed_on": update.published_at.date().isoformat(),
    })
    make.closeout(project, contact=staff, summary="Delivered the portal.")
    assert MARKER in staff_browser.get(f"/projects/{project.id}").get_data(as_text=True)
    make.touchpoint("Acme Corp", by=staff, note=f"renewal at risk {MARKER}",
                    summary="We agreed the launch plan on a call.")

    client = signed_in("jordan@acme.example")
    with app.app_context():
        request = db.session.scalars(select(PulseRequest)).first()
        token = answer_token(request)
    values = {"project_id": project.id, "update_id": update.id, "token": token,
              "organization_id": project.organization_id, "user_id": jordan.id}
    urls = _client_urls(app, values) + [f"/projects/{project.id}/live", "/live"]
    assert "We agreed the launch plan" in client.get("/").get_data(as_text=True)
    for page in ("/", f"/projects/{project.id}", f"/projects/{project.id}/closeout",
                 f"/projects/{project.id}/closeout.pdf", f"/pulses/{token}", "/account"):
        assert page in urls, page
    for url in urls:
        response = client.get(url)
        assert MARKER.encode() not in response.data, url
        if response.mimetype == "application/pdf":
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
            assert "Delivered the portal" in text and MARKER not in text

    deliver(app)
    to_client = [m for rcpts, m in smtp.messages if rcpts == ["jordan@acme.example"]]
    assert len(to_client) >= 3  # updates, the pulse, the closeout
    for message in to_client:
        assert MARKER not in message.as_string()
        assert not re.search(MARKER, message.get_body(("plain",)).get_content())
