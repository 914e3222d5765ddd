"""The client's dashboard: their projects as cards, and the firm's track record with them.

What a client's request runs: it imports no health code (tests/layout/test_import_rules.py).
"""

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy.orm import joinedload, selectinload

from portal.access import client_project_versions, visible_projects
from portal.auth.models import User
from portal.closeout.models import Closeout
from portal.db import local_today
from portal.extensions import db
from portal.projects import track_record
from portal.projects.models import Milestone, Project
from portal.projects.services import FirstAnswerTime, first_answer_time, update_spans
from portal.projects.summary import ProjectSummary, latest_troubled_updates, project_summary
from portal.projects.track_record import PromisesKept, UpdateRhythm
from portal.web import facts
from portal.web.numbers import round_half_up

DASHBOARD_VERSION = "dashboard version"  # the fact the dashboard and its poll read with the user


@dataclass(frozen=True)
class ProjectCard:
    """One project as the client's dashboard shows it."""

    project: Project
    milestones_done: int
    milestones_total: int
    next_milestone: Milestone | None
    last_update_at: datetime | None
    summary: ProjectSummary

    @property
    def progress_percent(self) -> int:
        if not self.milestones_total:
            return 0
        return round_half_up(Fraction(100 * self.milestones_done, self.milestones_total))


@dataclass(frozen=True)
class ClientDashboard:
    """The client's open and closed projects and the firm's track record with them."""

    open_cards: list[ProjectCard]
    closed_cards: list[ProjectCard]
    promises: PromisesKept
    rhythm: UpdateRhythm
    first_answer: FirstAnswerTime
    zone: str  # the organisation's timezone, which dates every figure


def _card(project: Project, span: track_record.UpdateSpan, latest, today: date) -> ProjectCard:
    pending = [m for m in project.milestones if not m.is_done]
    return ProjectCard(
        project=project,
        milestones_done=len(project.milestones) - len(pending),
        milestones_total=len(project.milestones),
        next_milestone=pending[0] if pending else None,
        last_update_at=span.last,
        summary=project_summary(project, latest=latest, last_update_at=span.last, today=today),
    )


def client_dashboard(user: User) -> ClientDashboard:
    """The client's projects: open ones by ETA, closed ones most recent first."""
    # Many-to-one and one-to-one loads ride on a JOIN, collections on one SELECT ... IN each:
    # the statement count stays the same however many projects the account has.
    projects = list(db.session.scalars(
        visible_projects(user).options(
            joinedload(Project.contact),
            joinedload(Project.closeout).joinedload(Closeout.care_contact),
            selectinload(Project.milestones).joinedload(Milestone.owner),
            selectinload(Project.eta_changes),
        )
    ).unique())
    spans = update_spans([p.id for p in projects])
    latest = latest_troubled_updates(projects)
    today = local_today(user.organization_timezone)  # the client's today
    cards = [_card(p, spans[p.id], latest.get(p.id), today) for p in projects]
    open_cards = sorted(
        (c for c in cards if not c.project.is_closed),
        key=lambda c: (c.project.eta is None, c.project.eta or date.max, c.project.name),
    )
    closed = sorted((c for c in cards if c.project.is_closed),
                    key=lambda c: c.project.closed_on, reverse=True)
    return ClientDashboard(
        open_cards=open_cards, closed_cards=closed,
        promises=track_record.promises_kept(projects),
        rhythm=track_record.update_rhythm(
            (spans[p.id], p.update_cadence_days) for p in projects
        ),
        first_answer=first_answer_time([p.id for p in projects]),
        zone=user.organization_timezone,
    )


def dashboard_version(client: User) -> str:
    """Changes whenever anything on the client's dashboard does: its ETag and cache key (read
    with the signed-in user when it could be: see the home blueprint's facts)."""
    count, total = facts.known(DASHBOARD_VERSION) or client_project_versions(client)
    return f"d{count}-{total}"
