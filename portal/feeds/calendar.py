"""A client's calendar feed: an all-day event for each project's ETA (or delivery) and each
milestone's, built with icalendar. An event keeps its UID for life; each ETA move raises its
SEQUENCE and its LAST-MODIFIED, so a subscribed calendar moves it instead of adding one."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.access import visible_projects
from portal.auth.models import User
from portal.content.services import branding
from portal.extensions import db
from portal.notifications.rendering import absolute_url
from portal.projects.models import EtaChange, Milestone, Project
from portal.web.addresses import base_url


@dataclass(frozen=True)
class Moves:
    """How often a project's (milestone None) or a milestone's ETA moved, the last time, and
    the last move's reason."""

    count: int
    last_at: datetime
    reason: str | None


def moves_of(projects: Iterable[Project]) -> dict[tuple[int, int | None], Moves]:
    """Per (project, milestone or None): its ETA moves. Two queries whatever the count."""
    ids = [project.id for project in projects]
    key = (EtaChange.project_id, EtaChange.milestone_id)
    counts = db.session.execute(
        select(*key, func.count(), func.max(EtaChange.changed_at))
        .where(EtaChange.project_id.in_(ids)).group_by(*key)).all()
    reasons = {(c.project_id, c.milestone_id): c.reason for c in db.session.scalars(
        select(EtaChange).where(EtaChange.project_id.in_(ids))
        .order_by(EtaChange.changed_at, EtaChange.id))}
    return {(p, m): Moves(n, last, reasons[(p, m)]) for p, m, n, last in counts}


def _event(uid: str, day: date, summary: str, *, moves: Moves | None, since: datetime,
           done_on: date | None, description: str, url: str) -> Event:
    """One all-day event; revised (SEQUENCE, LAST-MODIFIED, DTSTAMP) by each move and by its
    completion."""
    revised = max(moves.last_at if moves else since,
                  datetime.combine(done_on, time(), UTC) if done_on else since)
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("sequence", (moves.count if moves else 0) + (done_on is not None))
    event.add("dtstamp", revised)
    event.add("last-modified", revised)
    event.add("created", since)
    event.add("transp", "TRANSPARENT")  # a date to know, not time taken
    event.add("description", description)
    event.add("url", url)
    return event


def _moved(moves: Moves | None) -> str:
    if moves is None:
        return ""
    times = f"{moves.count} time{'s' if moves.count != 1 else ''}"
    reason = moves.reason.strip() if moves.reason else ""
    if reason and reason[-1] not in ".!?":
        reason += "."
    return f" Moved {times}." + (f" Last reason: {reason}" if reason else "")


def _project_event(project: Project, moves: Moves | None, host: str) -> Event | None:
    day = project.closed_on or project.eta
    if day is None:
        return None
    what = "Delivered" if project.closed_on else "ETA"
    confidence = "" if project.closed_on else f" ({project.eta_confidence.value} confidence)"
    return _event(f"project-{project.id}-eta@{host}", day, f"{what}: {project.name}",
                  moves=moves, since=project.created_at, done_on=project.closed_on,
                  description=f"{project.status.label}{confidence}.{_moved(moves)}",
                  url=absolute_url("projects.show", project_id=project.id))


def _milestone_event(milestone: Milestone, moves: Moves | None, host: str) -> Event | None:
    day = milestone.completed_on or milestone.eta or milestone.planned_on
    if day is None:
        return None
    project = milestone.project
    state = "done" if milestone.is_done else "expected"
    return _event(f"milestone-{milestone.id}-eta@{host}", day,
                  f"{project.name}: {milestone.title} ({state})", moves=moves,
                  since=project.created_at, done_on=milestone.completed_on,
                  description=f"A step of {project.name}, {state} this day.{_moved(moves)}",
                  url=absolute_url("projects.show", project_id=project.id))


def etas_calendar(user: User) -> bytes:
    """The iCalendar document of the ETAs of the projects this user may see (access.py)."""
    projects = list(db.session.scalars(visible_projects(user)
                                       .options(selectinload(Project.milestones))
                                       .order_by(Project.id)))
    moves = moves_of(projects)
    host = urlsplit(base_url(current_app)).hostname or "portal"
    calendar = Calendar()
    calendar.add("prodid", f"-//{branding().firm_name}//Client portal//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{user.organization.name}: ETAs")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for project in projects:
        events = [_project_event(project, moves.get((project.id, None)), host)] + [
            _milestone_event(m, moves.get((project.id, m.id)), host) for m in project.milestones]
        for event in events:
            if event is not None:
                calendar.add_component(event)
    return calendar.to_ical()
