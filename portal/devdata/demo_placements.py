"""The demo placement project's interview and placement: Hannah Webb, from an earlier shortlist,
placed ten weeks ago, her 30-day check-in answered by the hiring manager; an interview booked
for next week with the candidate the client invited from the current shortlist
(portal.devdata.demo_selection, seeded first).

Made through the services staff and clients use, found by name, so running the demo twice
creates nothing twice.
"""

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.models import User
from portal.db import utcnow
from portal.devdata.demo_history import forget_demo_emails
from portal.extensions import db
from portal.projects.models import Project
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, RequestState, Trigger
from portal.selection import decisions, interviews, placements, profiles, shortlists
from portal.selection.models import Candidate, CandidateStatus, CandidateView, DecisionKind
from portal.selection.placement_models import CheckIn

PROJECT = "Senior Data Engineer placement"
PLACED, INVITED = "Hannah Webb", "Maria Santos"
STARTED_DAYS_AGO = 75  # the 30-day check-in falls in the pulses' history
# The earlier shortlist: name, headline, location, why chosen.
CANDIDATES = [
    (PLACED, "Data engineer, 7 years: Spark, dbt, Airflow", "Manchester",
     "Ran a retailer's nightly pipelines for five years; calm under on-call pressure."),
]


def _moment(days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def seed_demo_placements(people: dict[str, User]) -> bool:
    """Add the placement and the booked interview where missing; True if anything was."""
    project = db.session.scalars(select(Project).where(Project.name == PROJECT)).first()
    if project is None:
        return False
    staff, manager = people["sofia@demo.example"], people["client@acme.example"]
    added = False
    if not db.session.scalar(select(Candidate.id).where(
            Candidate.project_id == project.id, Candidate.display_name == PLACED)):
        placed, = _presented(project, staff, manager)
        _place(placed, staff, manager)
        added = True
    invited = db.session.scalars(select(Candidate).where(
        Candidate.project_id == project.id, Candidate.display_name == INVITED)).first()
    if invited is not None and interviews.current_interview(invited) is None:
        _book(invited, staff, manager)
        added = True
    if added:
        forget_demo_emails([staff.email, manager.email])
    return added


def seed_profile_view(people: dict[str, User]) -> bool:
    """The Acme client opened Maria's profile the day after it was presented, and again the
    day after; True if that was added."""
    manager = people["client@acme.example"]
    maria = db.session.scalars(select(Candidate).join(Project).where(
        Project.name == PROJECT, Candidate.display_name == INVITED)).first()
    if maria is None or not maria.entries or db.session.scalar(select(CandidateView.id).where(
            CandidateView.candidate_id == maria.id, CandidateView.user_id == manager.id)):
        return False
    first = maria.entries[0].shortlist.presented_at + timedelta(days=1)
    db.session.add(CandidateView(candidate_id=maria.id, user_id=manager.id, first_viewed_at=first,
                                 last_viewed_at=min(first + timedelta(days=1), utcnow()),
                                 views=2))
    db.session.flush()
    return True


def _presented(project: Project, staff: User, manager: User) -> list[Candidate]:
    """The earlier shortlist, presented 115 days ago; the client invited its candidate to
    interview the next day (made now by the services, then dated when it happened)."""
    found = [profiles.add_candidate(
        project, by=staff, display_name=name, headline=headline, location=location,
        why_chosen_md=why, availability="4 weeks",
        sourced_on=date.today() - timedelta(days=STARTED_DAYS_AGO + 55))
        for name, headline, location, why in CANDIDATES]
    shortlist = shortlists.present_shortlist(project, found, by=staff)
    for candidate in found:
        decisions.decide(candidate, decisions.DecisionInput(DecisionKind.INVITE), by=manager)
    presented_at = _moment(STARTED_DAYS_AGO + 40)
    shortlist.presented_at, shortlist.expires_at = presented_at, presented_at + (
        shortlist.expires_at - shortlist.presented_at)
    for candidate in found:
        _dated(candidate, CandidateStatus.PRESENTED, presented_at)
        candidate.decisions[-1].decided_at = presented_at + timedelta(days=1)
    db.session.flush()
    return found


def _dated(candidate: Candidate, status: CandidateStatus, at: datetime) -> None:
    """Date the candidate's step to `status` when it happened in the demo's story."""
    for change in candidate.status_changes:
        if change.status == status:
            change.changed_at = at


def _place(candidate: Candidate, staff: User, manager: User) -> None:
    """Placed ten weeks ago; the hiring manager answered the 30-day check-in."""
    placement = placements.place(candidate, by=staff, hiring_manager=manager,
                                 starts_on=date.today() - timedelta(days=STARTED_DAYS_AGO),
                                 now=_moment(STARTED_DAYS_AGO + 10))
    _dated(candidate, CandidateStatus.PLACED, placement.placed_at)
    check_in = db.session.scalars(select(CheckIn).where(
        CheckIn.placement_id == placement.id).order_by(CheckIn.day)).first()
    asked_at = _quiet_moment(manager, check_in.due_on)
    if asked_at is None:
        return
    # What happened then: the check-in went out that morning, the manager's first pulse in the
    # fatigue rule's days (written as history, after the pulses' own).
    request = PulseRequest(organization_id=manager.organization_id, user=manager,
                           template=pulses.template_for(Trigger.CHECK_IN),
                           trigger=Trigger.CHECK_IN, project=candidate.project, about="Hannah",
                           state=RequestState.SENT, created_at=asked_at, sent_at=asked_at)
    db.session.add(request)
    check_in.request = request
    question = request.template.questions[0]
    pulses.record_answers(request, scores={question.id: 4}, now=asked_at + timedelta(hours=5),
                          comments={question.id: "Settling in well: she already owns the "
                                                 "nightly pipeline. A bit quiet in meetings."})


def _quiet_moment(manager: User, due: date) -> datetime | None:
    """The first morning from `due` on when the manager had no pulse in the fatigue rule's
    days before, and a later pulse was sent (so no pulse held since waits on this one)."""
    gap = timedelta(days=int(current_app.config["PULSE_MIN_DAYS_BETWEEN"]))
    sent = list(db.session.scalars(select(PulseRequest.sent_at).where(
        PulseRequest.user_id == manager.id, PulseRequest.sent_at.is_not(None),
        PulseRequest.trigger != Trigger.CLOSEOUT)))
    moment = datetime.combine(due, time(9), tzinfo=UTC)
    while moment + gap <= utcnow():
        if any(at > moment for at in sent) and not any(
                moment - gap < at <= moment for at in sent):
            return moment
        moment += timedelta(days=1)
    return None


def _book(candidate: Candidate, staff: User, manager: User) -> None:
    """Times proposed yesterday for next week; the client booked the second today."""
    next_week = date.today() + timedelta(days=7 - date.today().weekday() + 1)  # a Tuesday
    interview = interviews.propose(
        candidate, by=staff, minutes=45, where="Video call (link in the invitation)",
        starts=[datetime.combine(next_week + timedelta(days=d), time(h), tzinfo=UTC)
                for d, h in ((0, 10), (1, 14), (2, 9))], now=_moment(1))
    interviews.book(interview, position=1, by=manager)
