"""Fixtures for candidates and shortlists: the firm's staff, a client at Acme, one at Globex,
an Acme placement project, and candidates added and presented through the services."""

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfWriter

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project
from portal.selection import admin_settings, profiles, shortlists
from portal.selection.models import Candidate


def pdf_bytes(pages: int = 1) -> bytes:
    """A real, small PDF."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def selection_defaults(app):
    """The settings row and reasons the migration seeds (each test starts with empty tables)."""
    with app.app_context():
        admin_settings.seed_defaults()
        db.session.commit()


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def admin(make):
    return make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")


@pytest.fixture
def acme_client(make):
    return make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Lee")


@pytest.fixture
def globex_client(make):
    return make.user("gil@globex.example", organization="Globex", name="Gil Globex")


@pytest.fixture
def placement(make, acme_client):
    return make.project("Acme Corp", name="Senior Data Engineer")


@pytest.fixture
def add_candidates(app, staff):
    """Add candidates to a project (with a CV each), optionally presenting them."""

    def add(project: Project, names: list[str], *, present: bool = True) -> list[int]:
        with app.app_context():
            by = db.session.get(User, staff.id)
            target = db.session.get(Project, project.id)
            added = [profiles.add_candidate(
                target, by=by, display_name=name, headline=f"{name}, data engineer",
                location="Leeds", availability="4 weeks", rate_band="£70–80k",
                skills="Python, SQL", summary_md="Built **pipelines**.",
                why_chosen_md="Strong on streaming.",
                sourced_on=date.today() - timedelta(days=10),
                cv=pdf_bytes(), cv_name=f"{name}.pdf") for name in names]
            if present:
                shortlists.present_shortlist(target, added, by=by)
            db.session.commit()
            return [c.id for c in added]

    return add


def candidate(app, candidate_id: int) -> Candidate:
    """The candidate as stored now."""
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.get(Candidate, candidate_id)
        _ = found.decisions, found.entries, found.status_changes
        return found
