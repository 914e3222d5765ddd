"""Shortlists: presenting candidates to the client, their expiry, the names the client
sees and the client's views of each profile. Functions flush; the caller commits."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.projects.models import Project
from portal.selection.admin_settings import get_settings
from portal.selection.models import (
    Candidate,
    CandidateStatus,
    CandidateView,
    Shortlist,
    ShortlistEntry,
)
from portal.selection.profiles import WAY, SelectionError, record_move


def client_recipients(project: Project) -> list[User]:
    """The project's client contacts: the organisation's active client users."""
    return list(db.session.scalars(select(User).where(
        User.organization_id == project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True)).order_by(User.id)))


def present_shortlist(project: Project, candidates: list[Candidate], *, by: User) -> Shortlist:
    """Present candidates to the client at once: one shortlist, one email per client contact
    with a link only (never a CV nor a candidate's details)."""
    lock(project)
    chosen = [c for c in candidates if c.project_id == project.id]
    if not chosen:
        raise SelectionError("Choose at least one candidate to present.", field="candidate_ids")
    if any(c.is_erased or c.status == CandidateStatus.WITHDRAWN for c in chosen):
        raise SelectionError("A withdrawn or erased candidate cannot be presented.",
                             field="candidate_ids")
    now = utcnow()
    shortlist = Shortlist(project=project, presented_by=by, presented_at=now,
                          expires_at=now + timedelta(days=get_settings().expiry_days))
    db.session.add(shortlist)
    for position, candidate in enumerate(chosen):
        shortlist.entries.append(ShortlistEntry(candidate=candidate, position=position))
        if WAY.index(candidate.status) < WAY.index(CandidateStatus.PRESENTED):
            record_move(candidate, CandidateStatus.PRESENTED, by=by, at=now)
    db.session.flush()
    _email_shortlist(shortlist)
    audit.record("shortlist.presented", actor=by, target=shortlist,
                 organization=project.organization,
                 summary=f"{len(chosen)} candidates for {project.name}")
    return shortlist


def shortlist_subject(count: int, project_name: str) -> str:
    """The shortlist email's subject: "3 candidates for Senior Data Engineer"."""
    return f"{count} candidate{'s' if count != 1 else ''} for {project_name}"


def _email_shortlist(shortlist: Shortlist) -> None:
    project = shortlist.project
    for user in client_recipients(project):
        if not notifications.wants_email(user):
            continue
        notifications.queue_message(
            user, MessageKind.SHORTLIST_PRESENTED,
            dedupe_key=f"shortlist:{shortlist.id}:user:{user.id}",
            subject=shortlist_subject(len(shortlist.entries), project.name),
            project_name=project.name, count=len(shortlist.entries),
            expires_on=shortlist.expires_at.strftime("%-d %b %Y"),
            shortlist_url=absolute_url("selection.candidates", project_id=project.id),
        )
    db.session.flush()


def expires_at(candidate: Candidate) -> datetime | None:
    """Until when the client sees the candidate: the latest expiry of its shortlists."""
    return max((entry.shortlist.expires_at for entry in candidate.entries), default=None)


def is_expired(candidate: Candidate, now: datetime | None = None) -> bool:
    """Whether the candidate was presented and every presentation has expired."""
    until = expires_at(candidate)
    return until is not None and until <= (now or utcnow())


def client_label(candidate: Candidate) -> str:
    """The name the client sees: the display name, or "Candidate A" when presented
    anonymously (the letter follows the order candidates were added to the project)."""
    if not candidate.anonymous:
        return candidate.display_name
    earlier = db.session.scalar(select(func.count(Candidate.id)).where(
        Candidate.project_id == candidate.project_id, Candidate.anonymous.is_(True),
        Candidate.id < candidate.id)) or 0
    return f"Candidate {_letters(earlier)}"


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def note_view(candidate: Candidate, *, by: User) -> None:
    """Record a client's view of a profile (the first one is kept for staff), and audit it."""
    if by.is_staff:
        return
    now = utcnow()
    view = db.session.scalar(select(CandidateView).where(
        CandidateView.candidate_id == candidate.id, CandidateView.user_id == by.id))
    if view is None:
        db.session.add(CandidateView(candidate_id=candidate.id, user_id=by.id,
                                     first_viewed_at=now, last_viewed_at=now))
    else:
        view.last_viewed_at, view.views = now, view.views + 1
    db.session.flush()
    audit.record("candidate.viewed", actor=by, target=candidate,
                 organization=candidate.project.organization)


def first_views(candidates: list[Candidate]) -> dict[int, datetime]:
    """For staff: when a client user first opened each candidate's profile."""
    if not candidates:
        return {}
    rows = db.session.execute(select(CandidateView.candidate_id,
                                     func.min(CandidateView.first_viewed_at))
                              .where(CandidateView.candidate_id.in_([c.id for c in candidates]))
                              .group_by(CandidateView.candidate_id))
    return {candidate_id: first for candidate_id, first in rows}
