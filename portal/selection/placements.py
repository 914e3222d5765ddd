"""Placements and their check-ins: a placed candidate's hiring manager is asked, on the days the
admin set (30, 60 and 90 by default), how the person is settling in. A check-in is a pulse of
the check-in kind, so the one-click email, the fatigue rule (one pulse a person every 14 days,
check-ins included), the answer page and the follow-up of a low answer are the pulses' own.
Functions flush; the caller commits."""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import lock_table
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger
from portal.selection import interviews
from portal.selection.models import Candidate, CandidateStatus
from portal.selection.placement_models import (
    DEFAULT_CHECK_IN_DAYS,
    CheckIn,
    CheckInSettings,
    Interview,
    Placement,
)

MAX_CHECK_INS = 6


class PlacementError(ValueError):
    """A placement change was refused; the message is for the person at the form."""


def check_in_days() -> tuple[int, ...]:
    """The days into a placement on which the hiring manager is asked, ascending."""
    settings = db.session.get(CheckInSettings, 1)
    return parse_days(settings.days) if settings else DEFAULT_CHECK_IN_DAYS


def parse_days(text: str) -> tuple[int, ...]:
    """ "30, 60, 90" as (30, 60, 90); a clear error for anything else."""
    try:
        days = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError as error:
        raise PlacementError("Give whole numbers of days, separated by commas: 30, 60, 90."
                             ) from error
    if not 1 <= len(days) <= MAX_CHECK_INS or days[0] < 1 or days[-1] > 730:
        raise PlacementError(f"Give 1 to {MAX_CHECK_INS} days, each from 1 to 730.")
    return tuple(days)


def save_check_in_days(text: str, *, by: User) -> tuple[int, ...]:
    """The admin sets the check-in days; placements made later use them."""
    days = parse_days(text)
    lock_table(CheckInSettings)
    settings = db.session.get(CheckInSettings, 1) or CheckInSettings(id=1)
    settings.days, settings.updated_at = ",".join(map(str, days)), utcnow()
    db.session.add(settings)
    audit.record("check_in.days_set", actor=by, summary=settings.days)
    db.session.flush()
    return days


def hiring_managers(candidate: Candidate) -> list[User]:
    """Who can be the hiring manager: the active client users of the candidate's account."""
    return list(db.session.scalars(select(User).where(
        User.organization_id == candidate.project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True)).order_by(User.name)))


def place(candidate: Candidate, *, by: User, starts_on: date, hiring_manager: User,
          now: datetime | None = None) -> Placement:
    """Mark the candidate placed, scheduling a check-in on each of the admin's days."""
    if candidate.is_erased or not candidate.entries:
        raise PlacementError("Present the candidate to the client before placing them.")
    if hiring_manager not in hiring_managers(candidate):
        raise PlacementError("Choose the hiring manager from the account's client users.")
    if db.session.scalar(select(Placement.id).where(Placement.candidate_id == candidate.id)):
        raise PlacementError(f"{candidate.display_name} is already placed.")
    placement = Placement(candidate=candidate, starts_on=starts_on,
                          hiring_manager=hiring_manager, placed_by=by, placed_at=now or utcnow())
    placement.check_ins = [CheckIn(day=d, due_on=starts_on + timedelta(days=d))
                           for d in check_in_days()]
    db.session.add(placement)
    interviews.advance(candidate, CandidateStatus.PLACED, by=by)
    audit.record("placement.made", actor=by, target=placement,
                 organization=candidate.project.organization,
                 summary=f"{candidate.display_name} from {starts_on:%-d %b %Y}, hiring manager "
                         f"{hiring_manager.name}")
    db.session.flush()
    return placement


def mark_left(placement: Placement, *, by: User, left_on: date) -> Placement:
    """The placed person left early: later check-ins are not asked."""
    if left_on < placement.starts_on:
        raise PlacementError("The leaving date cannot be before the start date.")
    placement.left_on = left_on
    audit.record("placement.left", actor=by, target=placement,
                 organization=placement.candidate.project.organization,
                 summary=f"{placement.candidate.display_name} left on {left_on:%-d %b %Y}")
    db.session.flush()
    return placement


def forget(candidate: Candidate) -> None:
    """An erased candidate: the client's notes on their interviews, the name their check-ins
    asked about and what the hiring manager wrote go; dates and scores stay, anonymous."""
    for interview in db.session.scalars(select(Interview).where(
            Interview.candidate_id == candidate.id)):
        interview.client_note = None
    requests = select(CheckIn.request_id).join(Placement).where(
        Placement.candidate_id == candidate.id, CheckIn.request_id.is_not(None))
    for request in db.session.scalars(select(PulseRequest).where(PulseRequest.id.in_(requests))):
        request.about = None
        for answer in request.answers:
            answer.comment = None
            for revision in answer.revisions:
                revision.old_comment = revision.new_comment = None
    db.session.flush()


def ask_due(now: datetime | None = None) -> list[PulseRequest]:
    """Ask every check-in due by today where the client is: a check-in pulse to the hiring
    manager (held, not lost, when they had a pulse lately). None for a person who left."""
    now = now or utcnow()
    due = db.session.scalars(
        select(CheckIn).join(Placement).join(Candidate)
        .where(CheckIn.request_id.is_(None), Candidate.erased_at.is_(None),
               CheckIn.due_on <= now.date() + timedelta(days=1))
        .options(selectinload(CheckIn.placement)).order_by(CheckIn.due_on, CheckIn.id)).all()
    asked = []
    for check_in in due:
        placement = check_in.placement
        manager, candidate = placement.hiring_manager, placement.candidate
        zone = zone_or_utc(candidate.project.organization.timezone)
        if check_in.due_on > now.astimezone(zone).date() or manager is None or not (
                manager.active) or (placement.left_on and placement.left_on < check_in.due_on):
            continue
        check_in.request = pulses.request_pulse(
            manager, trigger=Trigger.CHECK_IN, project=candidate.project, now=now,
            about=first_name(interviews.name_for(candidate, manager)))
        asked.append(check_in.request)
    db.session.flush()
    return asked


def first_name(display_name: str) -> str:
    """How the question names the person: "Maria" of "Maria Lopez"; "Candidate A" whole."""
    parts = display_name.split()
    return display_name if display_name.startswith("Candidate ") or not parts else parts[0]


def placements_of(project_ids: list[int], candidate_id: int | None = None) -> list[Placement]:
    """The placements on these projects (or of one candidate on them) with their check-ins and
    answers, newest first."""
    query = select(Placement).join(Candidate).where(Candidate.project_id.in_(project_ids))
    if candidate_id is not None:
        query = query.where(Candidate.id == candidate_id)
    return list(db.session.scalars(
        query
        .options(selectinload(Placement.check_ins).selectinload(CheckIn.request)
                 .selectinload(PulseRequest.answers))
        .order_by(Placement.starts_on.desc(), Placement.id.desc())))


def check_in_words(check_in: CheckIn, today: date | None = None) -> str:
    """Where a check-in stands, for staff: "answered 4 of 5: "Settling in well"", "held by the
    fatigue rule", "asked on 3 Mar 2027, not answered yet", "due"."""
    request = check_in.request
    if request is None:
        placement = check_in.placement
        if placement.left_on and placement.left_on < check_in.due_on:
            return "not asked: left before it was due"
        return "due, not asked yet" if check_in.due_on <= (today or utcnow().date()) else (
            "scheduled")
    if request.answers:
        answer = request.answers[0]
        comment = f": “{answer.comment}”" if answer.comment else ""
        return f"answered {answer.score} of 5 on {request.answered_at:%-d %b %Y}{comment}"
    if request.sent_at is None:
        return f"held by the fatigue rule: {request.hold_reason}"
    return f"asked on {request.sent_at:%-d %b %Y}, not answered yet"
