"""Interviews: staff propose up to three times, the client books one or asks for others, and
both get an iCalendar invitation by email. Functions flush; the caller commits."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.selection import profiles, shortlists
from portal.selection.models import Candidate, CandidateStatus
from portal.selection.placement_models import MAX_SLOTS, Interview, InterviewSlot, InterviewState

MAX_NOTE = 2000


@dataclass(frozen=True)
class InterviewRow:
    """An interview as the project page lists it, in the viewer's words and timezone."""

    candidate_id: int
    name: str
    state: str
    when: str | None
    contact: User | None


def name_for(candidate: Candidate, viewer: User) -> str:
    """The candidate's name as this person may read it: staff always see it; the client sees
    "Candidate A" when the firm presents the candidate anonymously."""
    return candidate.display_name if viewer.is_staff else shortlists.client_label(candidate)


def advance(candidate: Candidate, status: CandidateStatus, *, by: User) -> None:
    """Move the candidate on to `status` in the funnel unless already there or past it."""
    way = profiles.WAY
    if candidate.status in way and way.index(candidate.status) < way.index(status):
        profiles.move_candidate(candidate, status, by=by)


def interviews_on(candidates: Select, viewer: User) -> list[InterviewRow]:
    """The latest interview of each of `candidates` (the viewer's visible candidates of a
    project), booked ones first by name."""
    rows = db.session.scalars(
        select(Interview).where(Interview.candidate_id.in_(
            candidates.with_only_columns(Candidate.id).scalar_subquery()))
        .options(selectinload(Interview.candidate), selectinload(Interview.contact))
        .order_by(Interview.id.desc())).all()
    latest = {i.candidate_id: i for i in reversed(rows)}  # the newest of each wins
    zone = viewer.effective_timezone
    found = [InterviewRow(i.candidate_id, name_for(i.candidate, viewer), i.state.label,
                          slot_times(i.starts_at, zone, zone) if i.starts_at else None,
                          i.contact) for i in latest.values()]
    return sorted(found, key=lambda r: (r.when is None, r.name))


class InterviewError(ValueError):
    """An interview change was refused; the message is for the person at the form."""


def client_zone(candidate: Candidate) -> ZoneInfo:
    """The timezone of the organisation the candidate was presented to."""
    return zone_or_utc(candidate.project.organization.timezone)


def slot_times(moment: datetime, viewer_zone: str, other_zone: str) -> str:
    """A time as one person reads it, with the other's when their clocks differ:
    "Tue 8 Dec 2026, 15:00 CET (09:00 EST)"."""
    here = moment.astimezone(zone_or_utc(viewer_zone))
    there = moment.astimezone(zone_or_utc(other_zone))
    words = f"{here:%a %-d %b %Y, %H:%M %Z}"
    if here.utcoffset() != there.utcoffset():
        day = "" if there.date() == here.date() else f"{there:%a %-d %b}, "
        words += f" ({day}{there:%H:%M %Z})"
    return words


def propose(candidate: Candidate, *, by: User, starts: list[datetime], minutes: int,
            where: str | None, now: datetime | None = None) -> Interview:
    """Propose one to three times (aware datetimes) for an interview; proposing again replaces
    the open proposal's times. A booked interview is not re-proposed."""
    now = now or utcnow()
    if candidate.is_erased or not candidate.entries:
        raise InterviewError("Present the candidate to the client before proposing times.")
    starts = sorted({s.astimezone(ZoneInfo("UTC")) for s in starts})
    if not 1 <= len(starts) <= MAX_SLOTS:
        raise InterviewError(f"Propose between 1 and {MAX_SLOTS} different times.")
    if any(s <= now for s in starts):
        raise InterviewError("Every proposed time must be in the future.")
    interview = current_interview(candidate)
    if interview is not None and interview.state == InterviewState.BOOKED:
        raise InterviewError("This interview is already booked.")
    if interview is None:
        interview = Interview(candidate=candidate)
        db.session.add(interview)
    for slot in interview.slots:
        db.session.delete(slot)  # deleted whole (not orphaned), so each knows its project
    db.session.flush()
    db.session.expire(interview, ["slots"])
    interview.slots.extend(InterviewSlot(position=i, starts_at=s) for i, s in enumerate(starts))
    interview.contact, interview.minutes = by, minutes
    interview.where = (where or "").strip()[:200] or None
    interview.state, interview.proposed_at = InterviewState.PROPOSED, now
    interview.answered_at = interview.answered_by = interview.client_note = None
    audit.record("interview.proposed", actor=by, target=interview,
                 organization=candidate.project.organization,
                 summary=f"{len(starts)} times for {candidate.display_name}")
    db.session.flush()
    _ask_to_choose(interview)
    return interview


def _ask_to_choose(interview: Interview) -> None:
    """Each client contact of the project gets the times, in their timezone, and a link to
    choose (never the candidate's CV or contact details)."""
    candidate = interview.candidate
    for person in shortlists.client_recipients(candidate.project):
        other = interview.contact.effective_timezone if interview.contact else "UTC"
        times = [slot_times(s.starts_at, person.effective_timezone, other)
                 for s in interview.slots]
        name = name_for(candidate, person)
        notifications.queue_message(
            person, MessageKind.INTERVIEW_PROPOSED,
            dedupe_key=f"interview:{interview.id}:proposed:"
                       f"{int(interview.proposed_at.timestamp())}:user:{person.id}",
            subject=f"Choose a time to interview {name}", candidate_name=name,
            project_name=candidate.project.name, times=times, minutes=interview.minutes,
            where=interview.where, choose_url=absolute_url(
                "placements.show_interview", project_id=candidate.project_id,
                candidate_id=candidate.id))
    db.session.flush()


def current_interview(candidate: Candidate) -> Interview | None:
    """The candidate's latest interview, if any."""
    return db.session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)
                              .order_by(Interview.id.desc()).limit(1)).first()


def book(interview: Interview, *, position: int, by: User,
         now: datetime | None = None) -> Interview:
    """The client books one of the proposed times; both people get the invitation."""
    lock(interview)
    if interview.state != InterviewState.PROPOSED:
        raise InterviewError("These times are no longer open: "
                             f"{interview.state.label.lower()}. The page shows where it stands.")
    slot = next((s for s in interview.slots if s.position == position), None)
    if slot is None:
        raise InterviewError("Choose one of the proposed times.")
    now = now or utcnow()
    interview.state, interview.starts_at = InterviewState.BOOKED, slot.starts_at
    interview.answered_at, interview.answered_by = now, by
    interview.sequence += 1
    advance(interview.candidate, CandidateStatus.INTERVIEWING, by=by)
    audit.record("interview.booked", actor=by, target=interview,
                 organization=interview.candidate.project.organization,
                 summary=f"{interview.candidate.display_name} at "
                         f"{slot.starts_at:%Y-%m-%d %H:%M} UTC")
    db.session.flush()
    _send_invitations(interview, booked_by=by)
    return interview


def ask_other_times(interview: Interview, *, by: User, note: str,
                    now: datetime | None = None) -> Interview:
    """The client can make none of the times: staff see the note and propose again (asking
    again before they do replaces the note)."""
    note = note.strip()
    if not note:
        raise InterviewError("Say which days or times would suit you.")
    if len(note) > MAX_NOTE:
        raise InterviewError(f"The note can be at most {MAX_NOTE} characters.")
    lock(interview)
    if interview.state == InterviewState.BOOKED:
        raise InterviewError("This interview is already booked; the page shows when.")
    interview.state, interview.client_note = InterviewState.OTHER_TIMES, note
    interview.answered_at, interview.answered_by = now or utcnow(), by
    audit.record("interview.other_times_asked", actor=by, target=interview,
                 organization=interview.candidate.project.organization, summary=note[:200])
    db.session.flush()
    return interview


def invitation(interview: Interview) -> str:
    """The booked interview as an iCalendar invitation (METHOD:REQUEST), times in UTC."""
    candidate, contact = interview.candidate, interview.contact
    name = shortlists.client_label(candidate)  # the client reads it too
    calendar = Calendar()
    calendar.add("prodid", "-//Client portal//Interviews//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"interview-{interview.id}@client-portal")
    event.add("sequence", interview.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", interview.starts_at)
    event.add("dtend", interview.starts_at + timedelta(minutes=interview.minutes))
    event.add("summary", f"Interview: {name} ({candidate.project.name})")
    event.add("description", f"Interview with {name} for "
                             f"{candidate.project.name}. Details: "
                             f"{absolute_url('projects.show', project_id=candidate.project_id)}")
    if interview.where:
        event.add("location", interview.where)
    if contact is not None:
        organizer = vCalAddress(f"mailto:{contact.email}")
        organizer.params["cn"] = vText(contact.name)
        event.add("organizer", organizer)
    for person in _attendees(interview):
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _attendees(interview: Interview) -> list[User]:
    people = [interview.answered_by, interview.contact]
    return [p for i, p in enumerate(people) if p is not None and p not in people[:i]]


def _send_invitations(interview: Interview, *, booked_by: User) -> None:
    """The client who booked and the staff contact each get the invitation, with the time
    where they are (the other's too when their clocks differ)."""
    ics = invitation(interview)
    candidate = interview.candidate
    for person in _attendees(interview):
        if not person.active:
            continue
        name = name_for(candidate, person)
        other = interview.contact if person is booked_by else booked_by
        when = slot_times(interview.starts_at, person.effective_timezone,
                          (other or person).effective_timezone)
        notifications.queue_message(
            person, MessageKind.INTERVIEW_BOOKED,
            dedupe_key=f"interview:{interview.id}:{interview.sequence}:user:{person.id}",
            subject=f"Interview booked: {name}, {when}", calendar=ics, candidate_name=name,
            project_name=candidate.project.name,
            when=when, minutes=interview.minutes, where=interview.where,
            contact_name=interview.contact.name if interview.contact else None,
            project_url=absolute_url("projects.show", project_id=candidate.project_id),
        )
    db.session.flush()
