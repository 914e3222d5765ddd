"""Erasing a candidate's personal data, by an admin or once their project closed long
enough ago. Functions flush; the caller commits."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.audit import services as audit
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from portal.selection.admin_settings import get_settings
from portal.selection.models import Candidate, CandidateStatus, CandidateView
from portal.selection.profiles import record_move

ERASED_NAME = "Erased candidate"


def erase_candidate(candidate: Candidate, *, by: User | None, why: str = "by an admin") -> None:
    """Erase a candidate's personal data (profile, CV, decisions' notes, views), keeping the
    anonymous row and its dated history, so the funnel's counts stay true."""
    if candidate.is_erased:
        return
    organization = candidate.project.organization
    candidate.display_name, candidate.anonymous = ERASED_NAME, True
    for key in ("headline", "location", "availability", "rate_band", "skills", "summary_md",
                "why_chosen_md"):
        setattr(candidate, key, "")
    candidate.cv = candidate.cv_filename = candidate.cv_size = None
    for decision in candidate.decisions:
        decision.note = ""
    candidate.screening_steps.clear()
    db.session.execute(CandidateView.__table__.delete().where(
        CandidateView.candidate_id == candidate.id))
    from portal.selection import placements  # its interviews and check-ins name them too

    placements.forget(candidate)
    candidate.erased_at = utcnow()
    record_move(candidate, CandidateStatus.ERASED, by=by, at=candidate.erased_at)
    db.session.flush()
    audit.record("candidate.erased", actor=by, target=candidate, organization=organization,
                 summary=why)


def erase_closed_projects_candidates(today: date) -> int:
    """Erase the candidates of projects closed more than the retention days ago."""
    cutoff = today - timedelta(days=get_settings().retention_days)
    stmt = (select(Candidate).join(Candidate.project)
            .where(Project.closed_on.is_not(None), Project.closed_on <= cutoff,
                   Candidate.erased_at.is_(None)).order_by(Candidate.id))
    erased = 0
    for candidate in db.session.scalars(stmt).all():
        erase_candidate(candidate, by=None, why=f"kept {get_settings().retention_days} days "
                                               "after the project closed")
        erased += 1
    return erased
