"""What the candidate pages show, gathered once so the templates only print it, and how they
say whether a change was made."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import flash
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from portal.access import visible_candidates
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from portal.selection import decisions, profiles, shortlists
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    CandidateScreeningStep,
    CandidateStatus,
    ShortlistEntry,
)
from portal.web.markdown import render_markdown

CARD_LOADS = (
    selectinload(Candidate.entries).joinedload(ShortlistEntry.shortlist),
    selectinload(Candidate.decisions).joinedload(CandidateDecision.reason),
    selectinload(Candidate.decisions).joinedload(CandidateDecision.decided_by),
    selectinload(Candidate.screening_steps).joinedload(CandidateScreeningStep.run_by),
)


@dataclass
class CandidateCard:
    """One candidate as a card: what the viewer may see of it, and its state."""

    candidate: Candidate
    label: str
    expired: bool
    expires_at: datetime | None
    presented: bool
    decision: CandidateDecision | None
    history: list[CandidateDecision]
    summary: Markup
    why_chosen: Markup
    first_viewed_at: datetime | None = None
    can_decide: bool = False
    skills: list[str] = field(default_factory=list)


def card(candidate: Candidate, *, first_viewed_at: datetime | None = None,
         now: datetime | None = None) -> CandidateCard:
    """A candidate's card as the current viewer sees it (an expired one shows no profile to
    a client)."""
    now = now or utcnow()
    expired = shortlists.is_expired(candidate, now)
    decision = decisions.current_decision(candidate)
    hidden = expired and not current_user.is_staff
    return CandidateCard(
        candidate=candidate, label=shortlists.client_label(candidate), expired=expired,
        expires_at=shortlists.expires_at(candidate), presented=bool(candidate.entries),
        decision=decision, history=[d for d in candidate.decisions if not d.is_current],
        summary=Markup() if hidden else render_markdown(candidate.summary_md),
        why_chosen=Markup() if hidden else render_markdown(candidate.why_chosen_md),
        first_viewed_at=first_viewed_at,
        can_decide=(not current_user.is_staff and not expired and not candidate.is_erased
                    and not (decision and decision.is_acted_on)),
        skills=[] if hidden else candidate.skill_list,
    )


def project_cards(project: Project) -> list[CandidateCard]:
    """The cards of every candidate of the project the viewer may see, newest presented
    first for a client, in the order added for staff."""
    candidates = list(db.session.scalars(
        visible_candidates(current_user, project).options(*CARD_LOADS).order_by(Candidate.id)))
    views = shortlists.first_views(candidates) if current_user.is_staff else {}
    now = utcnow()
    cards = [card(c, first_viewed_at=views.get(c.id), now=now) for c in candidates]
    if not current_user.is_staff:
        cards.sort(key=lambda c: (c.expired, -(c.expires_at.timestamp() if c.expires_at else 0)))
    return cards


def presentable(cards: list[CandidateCard]) -> list[CandidateCard]:
    """The candidates staff may present: neither withdrawn nor erased."""
    return [c for c in cards if c.candidate.status not in (CandidateStatus.WITHDRAWN,
                                                           CandidateStatus.ERASED)]


def live_version(project: Project) -> str:
    """The candidate list's ETag: the project's version (decisions and candidates bump it),
    the viewer's audience, and the day (expiry is by time)."""
    audience = "s" if current_user.is_staff else "c"
    return f"c{project.id}-v{project.version}-{audience}-{utcnow():%Y%m%d%H}"


@contextmanager
def flashed(success: str) -> Iterator[None]:
    """Commit the change made inside and flash `success`; a refused one (SelectionError) is
    rolled back and its reason flashed instead."""
    try:
        yield
    except profiles.SelectionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
