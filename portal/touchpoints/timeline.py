"""An account's timeline for staff: touchpoints, status updates, questions, pulses, their
follow-ups and weekly reviews, newest first, filtered by kind, a page at a time.

One UNION ALL query orders the (time, kind, id) of every entry of the chosen kinds and cuts the
page in the database; only that page's rows are then loaded, kind by kind, so a late page of a
long history costs what the first does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil

from sqlalchemy import ColumnElement, Select, String, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
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


def _touchpoint_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(Touchpoint).where(Touchpoint.id.in_(ids)).options(
        selectinload(Touchpoint.staff)))
    return {t.id: Entry(t.occurred_at, "touchpoint",
                  f"{t.kind.label}: {t.staff.name if t.staff else 'someone from the firm'} "
                  f"with {t.client_people}", _excerpt(t.client_summary), _excerpt(t.note),
                  dated_by_day=True, touchpoint_id=t.id) for t in rows}


def _update_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(StatusUpdate).where(StatusUpdate.id.in_(ids)).options(
        selectinload(StatusUpdate.project)))
    return {u.id: Entry(u.published_at, "update", f"Update on {u.project.name}: "
                  f"{u.status.label.lower()}", _excerpt(u.body, markdown=True),
                  endpoint="projects.show", args={"project_id": u.project_id}) for u in rows}


def _question_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(Question).where(Question.id.in_(ids)).options(
        selectinload(Question.project), selectinload(Question.author)))
    return {q.id: Entry(q.asked_at, "question",
                  f"{q.author.name if q.author else 'Someone'} asked about {q.project.name}"
                  + (f" · first answered {q.first_answered_at:%-d %b %Y}"
                     if q.first_answered_at else " · not answered yet"),
                  _excerpt(q.body, markdown=True), endpoint="projects.show",
                  args={"project_id": q.project_id}) for q in rows}


def _pulse_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(PulseRequest).where(PulseRequest.id.in_(ids)).options(
        selectinload(PulseRequest.user), selectinload(PulseRequest.answers),
        selectinload(PulseRequest.value_answers)))
    entries = {}
    for r in rows:
        scores = [a.label for a in r.answers]
        if r.value_answer is not None:
            scores.append(f"“{r.value_title}” {r.value_answer.score} of 5")
        answered = (f"answered {r.answered_at:%-d %b %Y}: {', '.join(scores)}"
                    if r.answered_at else "not answered")
        kind = r.trigger.value.replace("_", "-").capitalize()
        entries[r.id] = Entry(r.sent_at, "pulse", f"{kind} pulse to {r.user.name} · {answered}")
    return entries


def _follow_up_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(FollowUp).where(FollowUp.id.in_(ids)).options(
        selectinload(FollowUp.request).selectinload(PulseRequest.user)))
    return {f.id: Entry(f.opened_at, "follow_up", f"Follow-up on {f.request.user.name}'s answer "
                  f"({f.reason}) · " + (f"resolved {f.resolved_at:%-d %b %Y}" if f.resolved_at
                                        else f"open, due {f.due_at:%-d %b %Y}"),
                  _excerpt(f.resolution), endpoint="pulses.report") for f in rows}


def _review_entries(ids: list[int]) -> dict[int, Entry]:
    rows = db.session.scalars(select(HealthReview).where(HealthReview.id.in_(ids)).options(
        selectinload(HealthReview.reviewer)))
    return {r.id: Entry(r.created_at, "review", f"Weekly review by "
                  f"{r.reviewer.name if r.reviewer else 'staff'}: {r.mood.label.lower()}",
                  f"Next: {_excerpt(r.next_action)} by {r.next_action_on:%-d %b %Y}",
                  endpoint="health.show", args={"organization_id": r.organization_id})
            for r in rows}


def _keys(kind: str, id_column, at: ColumnElement, *where) -> Select:
    """The (time, kind, id) of one kind's entries on the account."""
    return select(at.label("at"), literal(kind, String).label("kind"),
                  id_column.label("id")).where(*where)


def _in_projects(org: Organization) -> Select:
    return select(Project.id).where(Project.organization_id == org.id)


@dataclass(frozen=True)
class Kind:
    """One kind of entry: its filter label, the query of its keys and how its rows read."""

    label: str
    keys: Callable[[Organization, str], Select]
    entries: Callable[[list[int]], dict[int, Entry]]


KINDS = {
    "touchpoint": Kind("Touchpoints", lambda org, k: _keys(
        k, Touchpoint.id, Touchpoint.occurred_at, Touchpoint.organization_id == org.id,
        Touchpoint.removed_at.is_(None)), _touchpoint_entries),
    "update": Kind("Updates", lambda org, k: _keys(
        k, StatusUpdate.id, StatusUpdate.published_at,
        StatusUpdate.project_id.in_(_in_projects(org))), _update_entries),
    "question": Kind("Questions", lambda org, k: _keys(
        k, Question.id, Question.asked_at, Question.project_id.in_(_in_projects(org))),
        _question_entries),
    "pulse": Kind("Pulses", lambda org, k: _keys(
        k, PulseRequest.id, PulseRequest.sent_at, PulseRequest.organization_id == org.id,
        PulseRequest.state != RequestState.HELD), _pulse_entries),
    "follow_up": Kind("Follow-ups", lambda org, k: _keys(
        k, FollowUp.id, FollowUp.opened_at, FollowUp.request_id.in_(
            select(PulseRequest.id).where(PulseRequest.organization_id == org.id))),
        _follow_up_entries),
    "review": Kind("Reviews", lambda org, k: _keys(
        k, HealthReview.id, HealthReview.created_at,
        HealthReview.organization_id == org.id), _review_entries),
}


def timeline(org: Organization, *, kinds: list[str], page: int,
             size: int = PAGE_SIZE) -> Page[Entry]:
    """The account's entries of these kinds (every kind if none), newest first, one page."""
    chosen = [k for k in kinds if k in KINDS] or list(KINDS)
    keys = union_all(*(KINDS[k].keys(org, k) for k in chosen)).subquery()
    total = db.session.scalar(select(func.count()).select_from(keys))
    pages = max(1, ceil(total / size))
    number = min(max(page, 1), pages)
    rows = db.session.execute(select(keys.c.kind, keys.c.id).order_by(
        keys.c.at.desc(), keys.c.kind, keys.c.id.desc()).limit(size).offset((number - 1) * size))
    order = list(rows)
    wanted: dict[str, list[int]] = {}
    for kind, key in order:
        wanted.setdefault(kind, []).append(key)
    loaded = {kind: KINDS[kind].entries(ids) for kind, ids in wanted.items()}
    return Page([loaded[kind][key] for kind, key in order if key in loaded[kind]], number,
                pages, total)
