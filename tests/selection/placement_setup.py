"""Candidates presented on a shortlist, made directly (the interview and placement tests need
one, not the presenting): the people and account these tests share."""

from datetime import UTC, date, datetime, timedelta

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import Project
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    CandidateStatus,
    DecisionKind,
    Shortlist,
    ShortlistEntry,
)


def acme(make, *, timezone: str = "America/New_York") -> dict:
    """Acme (in New York) with its hiring manager, a staff recruiter in Berlin, a project."""
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.organization("Acme Corp", timezone=timezone)
    client = make.user("maya@acme.example", organization="Acme Corp", name="Maya Hiring")
    with make.app.app_context():
        staff = db.session.get(User, owner.id)
        staff.timezone = "Europe/Berlin"
        db.session.get(User, client.id).organization.account_owner = staff
        db.session.commit()
    return {"staff": owner, "client": client,
            "project": make.project("Acme Corp", name="Senior Data Engineer")}


def presented(app, project: Project, name: str = "Maria Lopez", *, anonymous: bool = False,
              at: datetime | None = None, invited: bool = False,
              by: User | None = None) -> Candidate:
    """A candidate on the project, presented in a shortlist (and invited, if asked)."""
    at = at or datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        db.session().expire_on_commit = False
        candidate = Candidate(project_id=project.id, display_name=name, anonymous=anonymous,
                              sourced_on=date(2026, 1, 5), status=CandidateStatus.PRESENTED)
        shortlist = Shortlist(project_id=project.id, presented_at=at,
                              expires_at=at + timedelta(days=30))
        shortlist.entries.append(ShortlistEntry(candidate=candidate))
        db.session.add(shortlist)
        if invited:
            db.session.add(CandidateDecision(candidate=candidate, kind=DecisionKind.INVITE,
                                             decided_at=at + timedelta(hours=2),
                                             decided_by_id=by.id if by else None))
        db.session.commit()
        return candidate


def url(candidate: Candidate, tail: str, *, staff: bool = False) -> str:
    """A page of the candidate's: /projects/P/candidates/C/<tail> (under /staff if staff's)."""
    return (f"{'/staff' if staff else ''}/projects/{candidate.project_id}/candidates/"
            f"{candidate.id}/{tail}")
