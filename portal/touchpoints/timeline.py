"""An account's timeline for staff: touchpoints, status updates, questions, pulses, their
follow-ups and weekly reviews, newest first, filtered by kind, a page at a time.

Each kind is read by its own query, newest first and no more rows than the page needs, and the
kinds are merged by time: page n reads at most n × page size rows of each kind.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from math import ceil

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.db import zone_or_utc
from portal.extensions import db
from portal.health.models import HealthReview
from portal.projects.finding import Page
from portal.projects.models import Project, Question, StatusUpdate
from portal.pulses.models import FollowUp, PulseRequest, RequestState
from portal.touchpoints.models import Touchpoint
from portal.web.markdown import render_markdown

PAGE_SIZE = 20
EXCERPT = 160


@dataclass(frozen=True)
class Entry:
    """One thing that happened on the account, as the timeline lists it."""

    at: datetime
    kind: str
    title: str
    detail: str = ""
    internal: str = ""  # staff-only words (a touchpoint's note)
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    dated_by_day: bool = False  # a touchpoint: only its day is known
    touchpoint_id: int | None = None  # staff may take a touchpoint off the account


def _excerpt(text: str | None, markdown: bool = False) -> str:
    """Up to EXCERPT characters of the text on one line; Markdown read as the page shows it."""
    if markdown and text:
        text = render_markdown(text).striptags()
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"


def _touchpoints(org: Organization) -> Select:
    return (select(Touchpoint).where(Touchpoint.organization_id == org.id,
                                     Touchpoint.removed_at.is_(None))
            .order_by(Touchpoint.occurred_on.desc(), Touchpoint.id.desc()))


def _touchpoint_entries(org: Organization, limit: int) -> list[Entry]:
    zone = zone_or_utc(org.timezone)
    rows = db.session.scalars(_touchpoints(org).options(
        selectinload(Touchpoint.staff)).limit(limit))
    return [Entry(datetime.combine(t.occurred_on, time(12), tzinfo=zone), "touchpoint",
                  f"{t.kind.label}: {t.staff.name if t.staff else 'someone from the firm'} "
                  f"with {t.client_people}", _excerpt(t.client_summary), _excerpt(t.note),
                  dated_by_day=True, touchpoint_id=t.id) for t in rows]


def _updates(org: Organization) -> Select:
    return (select(StatusUpdate).join(Project, Project.id == StatusUpdate.project_id)
            .where(Project.organization_id == org.id)
            .order_by(StatusUpdate.published_at.desc(), StatusUpdate.id.desc()))


def _update_entries(org: Organization, limit: int) -> list[Entry]:
    rows = db.session.scalars(_updates(org).options(
        selectinload(StatusUpdate.project), selectinload(StatusUpdate.author)).limit(limit))
    return [Entry(u.published_at, "update", f"Update on {u.project.name}: "
                  f"{u.status.label.lower()}", _excerpt(u.body, markdown=True),
                  endpoint="projects.show", args={"project_id": u.project_id}) for u in rows]


def _questions(org: Organization) -> Select:
    return (select(Question).join(Project, Project.id == Question.project_id)
            .where(Project.organization_id == org.id)
            .order_by(Question.asked_at.desc(), Question.id.desc()))


def _question_entries(org: Organization, limit: int) -> list[Entry]:
    rows = db.session.scalars(_questions(org).options(
        selectinload(Question.project), selectinload(Question.author)).limit(limit))
    return [Entry(q.asked_at, "question",
                  f"{q.author.name if q.author else 'Someone'} asked about {q.project.name}"
                  + (f" · first answered {q.first_answered_at:%-d %b %Y}"
                     if q.first_answered_at else " · not answered yet"),
                  _excerpt(q.body, markdown=True), endpoint="projects.show",
                  args={"project_id": q.project_id})
            for q in rows]


def _pulses(org: Organization) -> Select:
    return (select(PulseRequest).where(PulseRequest.organization_id == org.id,
                                       PulseRequest.state != RequestState.HELD)
            .order_by(PulseRequest.sent_at.desc(), PulseRequest.id.desc()))


def _pulse_entries(org: Organization, limit: int) -> list[Entry]:
    rows = db.session.scalars(_pulses(org).options(
        selectinload(PulseRequest.user), selectinload(PulseRequest.answers),
        selectinload(PulseRequest.value_answers)).limit(limit))
    entries = []
    for r in rows:
        scores = [f"{a.scale.value.upper()} {a.score}" for a in r.answers]
        if r.value_answer is not None:
            scores.append(f"“{r.value_title}” {r.value_answer.score} of 5")
        answered = (f"answered {r.answered_at:%-d %b %Y}: {', '.join(scores)}"
                    if r.answered_at else "not answered")
        entries.append(Entry(r.sent_at, "pulse", f"{r.trigger.value.capitalize()} pulse to "
                             f"{r.user.name} · {answered}"))
    return entries


def _follow_ups(org: Organization) -> Select:
    return (select(FollowUp).join(PulseRequest, PulseRequest.id == FollowUp.request_id)
            .where(PulseRequest.organization_id == org.id)
            .order_by(FollowUp.opened_at.desc(), FollowUp.id.desc()))


def _follow_up_entries(org: Organization, limit: int) -> list[Entry]:
    rows = db.session.scalars(_follow_ups(org).options(
        selectinload(FollowUp.owner), selectinload(FollowUp.request)
        .selectinload(PulseRequest.user)).limit(limit))
    return [Entry(f.opened_at, "follow_up", f"Follow-up on {f.request.user.name}'s answer "
                  f"({f.reason}) · " + (f"resolved {f.resolved_at:%-d %b %Y}" if f.resolved_at
                                        else f"open, due {f.due_at:%-d %b %Y}"),
                  _excerpt(f.resolution), endpoint="pulses.report") for f in rows]


def _reviews(org: Organization) -> Select:
    return (select(HealthReview).where(HealthReview.organization_id == org.id)
            .order_by(HealthReview.created_at.desc(), HealthReview.id.desc()))


def _review_entries(org: Organization, limit: int) -> list[Entry]:
    rows = db.session.scalars(_reviews(org).options(
        selectinload(HealthReview.reviewer)).limit(limit))
    return [Entry(r.created_at, "review", f"Weekly review by "
                  f"{r.reviewer.name if r.reviewer else 'staff'}: {r.mood.label.lower()}",
                  f"Next: {_excerpt(r.next_action)} by {r.next_action_on:%-d %b %Y}",
                  endpoint="health.show", args={"organization_id": org.id}) for r in rows]


@dataclass(frozen=True)
class Kind:
    """One kind of entry: its filter label, its query and how its rows read."""

    label: str
    query: Callable[[Organization], Select]
    entries: Callable[[Organization, int], list[Entry]]


KINDS = {
    "touchpoint": Kind("Touchpoints", _touchpoints, _touchpoint_entries),
    "update": Kind("Updates", _updates, _update_entries),
    "question": Kind("Questions", _questions, _question_entries),
    "pulse": Kind("Pulses", _pulses, _pulse_entries),
    "follow_up": Kind("Follow-ups", _follow_ups, _follow_up_entries),
    "review": Kind("Reviews", _reviews, _review_entries),
}


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def timeline(org: Organization, *, kinds: list[str], page: int,
             size: int = PAGE_SIZE) -> Page[Entry]:
    """The account's entries of these kinds (every kind if none), newest first, one page."""
    chosen = [KINDS[k] for k in kinds if k in KINDS] or list(KINDS.values())
    total = sum(_count(kind.query(org)) for kind in chosen)
    pages = max(1, ceil(total / size))
    number = min(max(page, 1), pages)
    wanted = number * size
    merged = sorted((e for kind in chosen for e in kind.entries(org, wanted)),
                    key=lambda e: e.at, reverse=True)
    return Page(merged[wanted - size:wanted], number, pages, total)
