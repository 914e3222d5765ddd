"""A project in one sentence and one line: where it stands, why, what is next and who does it,
and the ETA with its latest move. The dashboard card, the project page, the update email and
the digest all take it from here, so they never disagree (nor on who to call)."""

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import nh3
from sqlalchemy import and_, func, select

from portal.auth.models import User
from portal.db import local_today, zone_or_utc
from portal.extensions import db
from portal.plain_text import counted
from portal.projects.models import Milestone, Project, ProjectStatus, StatusUpdate
from portal.web.markdown import render_markdown

TROUBLED = (ProjectStatus.AT_RISK, ProjectStatus.BLOCKED)  # statuses that must say why
REASON_LIMIT = 200  # characters of an update's first sentence shown as the reason
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class WhoToCall:
    """The person a client should call now, and why it is them."""

    person: User | None
    role: str


@dataclass(frozen=True)
class ProjectSummary:
    """What the top of the page, the card and the emails say first about a project."""

    status: ProjectStatus
    sentence: str
    line: str
    reason: str | None
    step: Milestone | None
    contact: WhoToCall
    next_update_due: date | None
    update_late: bool

    @property
    def after_status(self) -> str:
        """The sentence without its leading status (pages show the status as a chip)."""
        return self.sentence.removeprefix(self.status.label).lstrip(":. ")


def current_step(project: Project) -> Milestone | None:
    """The first milestone not yet done (milestones are kept in order)."""
    return next((m for m in project.milestones if not m.is_done), None)


def who_to_call(project: Project) -> WhoToCall:
    """The current step's owner; else the project's account manager (its contact person); after
    the closeout, the client-care contact it named, as the closeout itself says."""
    if project.is_closed and project.closeout is not None and project.closeout.care_contact:
        return WhoToCall(project.closeout.care_contact,
                         "Your client-care contact since the closeout")
    step = current_step(project)
    if step is not None and step.owner is not None and not project.is_closed:
        return WhoToCall(step.owner, f"Owner of the current step, {step.title}")
    if project.contact is not None:
        return WhoToCall(project.contact, "Your account manager for this project")
    return WhoToCall(None, "No one is named yet: ask us on the project page")


def next_update_due(project: Project, last_update: datetime | None) -> date | None:
    """The day the next update is promised by: the day of the last one where the client is (or
    the start) plus the cadence."""
    if project.is_closed:
        return None
    zone = zone_or_utc(project.organization.timezone)
    start = last_update.astimezone(zone).date() if last_update else project.started_on
    return start + timedelta(days=project.update_cadence_days) if start else None


def first_sentence(markdown: str) -> str:
    """An update's first sentence as plain text, cut to REASON_LIMIT characters."""
    text = html.unescape(nh3.clean(str(render_markdown(markdown)), tags=set()))
    text = " ".join(text.split())
    sentence = SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) > REASON_LIMIT:
        sentence = sentence[:REASON_LIMIT].rsplit(" ", 1)[0] + "…"
    return sentence


def status_reason(project: Project, latest: StatusUpdate | None) -> str | None:
    """Why a project is at risk or blocked: the first sentence of the update that said so."""
    if project.status not in TROUBLED or latest is None or latest.status != project.status:
        return None
    return first_sentence(latest.body) or None


def latest_troubled_updates(projects: list[Project]) -> dict[int, StatusUpdate]:
    """The newest update of each project at risk or blocked (what it says is why), by project
    id, in one query; none asked for when no project is."""
    ids = [p.id for p in projects if p.status in TROUBLED]
    if not ids:
        return {}
    newest = (select(StatusUpdate.project_id, func.max(StatusUpdate.published_at).label("at"))
              .where(StatusUpdate.project_id.in_(ids)).group_by(StatusUpdate.project_id)
              .subquery())
    rows = db.session.scalars(select(StatusUpdate).join(newest, and_(
        StatusUpdate.project_id == newest.c.project_id, StatusUpdate.published_at == newest.c.at,
    )).order_by(StatusUpdate.id))
    return {update.project_id: update for update in rows}


def standing_after(update: StatusUpdate) -> tuple[str, str]:
    """The summary's sentence and line as the project stands after this (its newest) update:
    what its emails open with."""
    summary = project_summary(update.project, latest=update, last_update_at=update.published_at)
    return summary.sentence, summary.line


def _day(value: date, today: date) -> str:
    return value.strftime("%-d %b" if value.year == today.year else "%-d %b %Y")


def eta_line(project: Project, today: date) -> str:
    """The ETA with its latest move, when and why ("ETA 29 Dec, moved from 22 Dec on 28 Nov:
    the security review took a week longer")."""
    if project.is_closed:
        return f"Delivered {_day(project.closed_on, today)}."
    if project.eta is None:
        return "No ETA yet: we will give one with the next update."
    line = f"ETA {_day(project.eta, today)} ({project.eta_confidence.value} confidence)"
    moves = [c for c in project.eta_changes if c.milestone_id is None and c.old_eta is not None]
    if not moves:
        return f"{line}."
    move = moves[-1]
    on = move.changed_at.astimezone(zone_or_utc(project.organization.timezone)).date()
    verb = "moved from" if move.new_eta > move.old_eta else "brought forward from"
    line = f"{line}, {verb} {_day(move.old_eta, today)} on {_day(on, today)}"
    return f"{line}: {move.reason.rstrip('.')}." if move.reason else f"{line}."


def _sentence(project: Project, reason: str | None, step: Milestone | None,
              contact: WhoToCall, today: date) -> str:
    said = project.status.label + (f": {reason.rstrip('.')}." if reason else ".")
    if project.is_closed:
        return said
    who = f", with {contact.person.name}" if contact.person else ""
    if step is not None:
        due = f" (ETA {_day(step.eta, today)})" if step.eta else ""
        return f"{said} Next: {step.title}{due}{who}."
    if contact.person is not None:
        return f"{said} Next: the next update, from {contact.person.name}."
    return said


def project_summary(project: Project, *, latest: StatusUpdate | None,
                    last_update_at: datetime | None, today: date | None = None) -> ProjectSummary:
    """The project in one sentence and one line; `today` is the client's (their timezone)."""
    today = today or local_today(project.organization.timezone)
    reason, step, contact = status_reason(project, latest), current_step(project), who_to_call(
        project)
    due = next_update_due(project, last_update_at)
    return ProjectSummary(
        status=project.status, sentence=_sentence(project, reason, step, contact, today),
        line=eta_line(project, today), reason=reason, step=None if project.is_closed else step,
        contact=contact, next_update_due=due, update_late=due is not None and due < today,
    )


def slippage_in_words(project: Project) -> str | None:
    """What the slippage chart measures, and what it shows, beside the project's status."""
    slips = [(m.completed_on or m.eta) - m.planned_on for m in project.milestones
             if m.planned_on is not None and (m.completed_on or m.eta) is not None]
    if not slips:
        return None
    late = [s.days for s in slips if s.days > 0]
    milestones = counted(len(slips), "milestone")
    shows = (f"{len(late)} of {milestones} {'is' if len(late) == 1 else 'are'} later than first "
             f"planned, by up to {counted(max(late), 'day')}" if late
             else f"none of its {milestones} is later than first planned")
    return (f"The chart measures slippage: each milestone's delivery date (or current ETA) "
            f"against the date first planned. {shows[0].upper()}{shows[1:]}. The status, "
            f"{project.status.label.lower()}, is about the project's own ETA.")
