"""Forms a client posts cannot set what a client may not change: status, ETA, organisation, role."""

from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project

SMUGGLED = {
    "status": "done", "eta": "2030-01-01", "eta_confidence": "high", "organization_id": "999",
    "role": "admin", "active": "y", "email": "boss@firm.example", "internal_note": "x",
    "author_id": "1", "project_id": "999", "version": "1",
}


def _snapshot(app, project_id: int, user_email: str) -> tuple:
    with app.app_context():
        project = db.session.get(Project, project_id)
        user = db.session.scalars(select(User).where(User.email == user_email)).one()
        return (project.status, project.eta, project.eta_confidence, project.organization_id,
                user.role, user.email, user.organization_id, user.active)


def test_extra_fields_in_client_forms_change_nothing_they_should_not(app, make, signed_in,
                                                                     post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Portal")
    before = _snapshot(app, project.id, "jordan@acme.example")
    client = signed_in("jordan@acme.example")
    page = f"/projects/{project.id}"
    asked = post_form(client, f"{page}/questions",
                      {"kind": "question", "body": "Any news?", **SMUGGLED}, page)
    assert asked.status_code == 302
    settings = post_form(client, "/account", {
        "name": "Jordan Blake", "phone": "", "timezone": "", "update_emails": "immediate",
        **SMUGGLED})
    assert settings.status_code == 302
    assert _snapshot(app, project.id, "jordan@acme.example") == before
