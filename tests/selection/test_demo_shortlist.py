"""The demo's placement shows a real shortlist: some candidates reviewed, one pending."""

from sqlalchemy import select

from portal.devdata import demo
from portal.extensions import db
from portal.projects.models import Project
from portal.selection import decisions
from portal.selection.models import Candidate, DecisionKind
from tests.conftest import sign_in


def test_the_demo_placement_has_a_shortlist_reviewed_in_part(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        project = db.session.scalar(select(Project).where(
            Project.name == "Senior Data Engineer placement"))
        candidates = list(db.session.scalars(select(Candidate).where(
            Candidate.project_id == project.id)))
        # The current shortlist; Hannah Webb, placed from an earlier one, is demo_placements'.
        presented = [c for c in candidates if c.entries and c.display_name != "Hannah Webb"]
        current = {c.display_name: decisions.current_decision(c) for c in presented}
        project_id = project.id
    assert len(presented) == 3 and len(candidates) > 3
    kinds = {name: d.kind if d else None for name, d in current.items()}
    assert kinds == {"Maria Santos": DecisionKind.INVITE, "Tom Becker": DecisionKind.NOT_A_FIT,
                     "Aisha Khan": None}
    browser = app.test_client()
    sign_in(browser, "client@acme.example", demo.DEFAULT_PASSWORD)
    page = browser.get(f"/projects/{project_id}/candidates").get_data(as_text=True)
    assert "Maria Santos" in page and "Candidate A" in page
    assert "Aisha Khan" not in page and "Lewis Hart" not in page


def test_staff_see_a_candidates_interview_and_placement_on_the_candidate_page(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        ids = {c.display_name: (c.project_id, c.id) for c in db.session.scalars(
            select(Candidate).where(Candidate.display_name.in_(["Maria Santos", "Hannah Webb"])))}
    staff = app.test_client()
    sign_in(staff, "staff@demo.example", demo.DEFAULT_PASSWORD)
    maria = staff.get("/projects/{}/candidates/{}".format(*ids["Maria Santos"])).get_data(
        as_text=True)
    assert "Interview and placement" in maria
    assert "Interview: " in maria and "Booked" in maria and "contact Sofia Lindqvist" in maria
    assert "Not placed." in maria
    assert "The client first viewed this profile" in maria  # the hiring manager read it
    hannah = staff.get("/projects/{}/candidates/{}".format(*ids["Hannah Webb"])).get_data(
        as_text=True)
    assert "No interview proposed yet." in hannah
    assert "placed from" in hannah and "Day 30" in hannah and "answered 4 of 5" in hannah
    client = app.test_client()
    sign_in(client, "client@acme.example", demo.DEFAULT_PASSWORD)
    seen = client.get("/projects/{}/candidates/{}".format(*ids["Maria Santos"])).get_data(
        as_text=True)
    assert "Maria Santos" in seen and "Interview and placement" not in seen
