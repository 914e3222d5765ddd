"""Selection fit: how well the candidates the firm chose work out for the client.

Three parts, each over the 365 days before `as_of`, each counted only with at least
MIN_ANSWERS items, combined by a weighted mean of the parts that count:
- interviews (weight 30): the share of candidates presented who the client invited to
  interview (a decision "invite to interview" made before `as_of`);
- retention (weight 40): the share of placements whose 90th day fell in the window that were
  still in place on it (not left before day 90);
- check-ins (weight 30): the mean check-in answer (1–5, as it stood at `as_of`), as
  (mean − 1) / 4.
"""

from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select

from portal.extensions import db
from portal.health.models import Metric
from portal.health.scoring import MetricResult, clamp_score, not_enough_data
from portal.plain_text import counted
from portal.projects.models import Project
from portal.pulses import history as pulse_history
from portal.pulses.models import PulseAnswer, PulseRequest, Scale, Trigger
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    DecisionKind,
    Shortlist,
    ShortlistEntry,
)
from portal.selection.placement_models import Placement
from portal.web.numbers import decimals, tidy

WINDOW_DAYS = 365
RETENTION_DAYS = 90
MIN_ITEMS = 3
WEIGHTS = {"interviews": 30, "retention": 40, "check-ins": 30}


def _interviews(organization_ids: list[int], start: datetime,
                as_of: datetime) -> dict[int, tuple[int, int]]:
    """Per account: (candidates first presented in the window, of them invited to interview by
    a decision standing at `as_of`: made before it and not changed by then)."""
    first = (select(ShortlistEntry.candidate_id, func.min(Shortlist.presented_at).label("at"))
             .join(Shortlist, Shortlist.id == ShortlistEntry.shortlist_id)
             .group_by(ShortlistEntry.candidate_id).subquery())
    invited = select(CandidateDecision.candidate_id).where(
        CandidateDecision.kind == DecisionKind.INVITE, CandidateDecision.decided_at < as_of,
        or_(CandidateDecision.superseded_at.is_(None), CandidateDecision.superseded_at >= as_of))
    rows = db.session.execute(
        select(Project.organization_id, func.count(),
               func.coalesce(func.sum(case((Candidate.id.in_(invited), 1), else_=0)), 0))
        .select_from(Candidate).join(first, first.c.candidate_id == Candidate.id)
        .join(Project, Project.id == Candidate.project_id)
        .where(Project.organization_id.in_(organization_ids), first.c.at >= start,
               first.c.at < as_of)
        .group_by(Project.organization_id))
    return {org: (int(n), int(yes)) for org, n, yes in rows}


def _retention(organization_ids: list[int], start: datetime,
               as_of: datetime) -> dict[int, tuple[int, int]]:
    """Per account: (placements whose 90th day fell in the window, of them still in place)."""
    rows = db.session.execute(
        select(Project.organization_id, Placement.starts_on, Placement.left_on)
        .select_from(Placement).join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Project, Project.id == Candidate.project_id)
        .where(Project.organization_id.in_(organization_ids),
               Placement.starts_on < as_of.date() - timedelta(days=RETENTION_DAYS),
               Placement.starts_on >= start.date() - timedelta(days=RETENTION_DAYS)))
    found: dict[int, tuple[int, int]] = {}
    for org, starts_on, left_on in rows:
        day_90 = starts_on + timedelta(days=RETENTION_DAYS)
        stayed = left_on is None or left_on >= day_90
        n, kept = found.get(org, (0, 0))
        found[org] = (n + 1, kept + int(stayed))
    return found


def _check_ins(organization_ids: list[int], start: datetime,
               as_of: datetime) -> dict[int, tuple[int, int]]:
    """Per account: (check-in answers in the window, their sum), each as it stood at `as_of`."""
    score = pulse_history.score_as_of(as_of)
    rows = db.session.execute(
        select(PulseRequest.organization_id, func.count(), func.coalesce(func.sum(score), 0))
        .select_from(PulseAnswer).join(PulseRequest)
        .where(PulseRequest.organization_id.in_(organization_ids),
               PulseRequest.trigger == Trigger.CHECK_IN, PulseAnswer.scale == Scale.CSAT,
               and_(PulseAnswer.answered_at >= start, PulseAnswer.answered_at < as_of))
        .group_by(PulseRequest.organization_id))
    return {org: (int(n), int(total)) for org, n, total in rows}


def selection_fit_of(interviews: tuple[int, int], retention: tuple[int, int],
                     check_ins: tuple[int, int]) -> MetricResult:
    """The metric from its three counted parts: (n, invited), (n, stayed), (n, sum of scores)."""
    parts, words = [], []
    n, yes = interviews
    words.append(f"{yes} of {counted(n, 'candidate')} presented invited to interview")
    if n >= MIN_ITEMS:
        parts.append(("interviews", Fraction(100 * yes, n)))
        words[-1] += f" ({tidy(parts[-1][1])}%)"
    n, kept = retention
    words.append(f"{kept} of {counted(n, 'placement')} still in place at {RETENTION_DAYS} days")
    if n >= MIN_ITEMS:
        parts.append(("retention", Fraction(100 * kept, n)))
        words[-1] += f" ({tidy(parts[-1][1])}%)"
    n, total = check_ins
    words.append(f"{counted(n, 'check-in answer')}")
    if n >= MIN_ITEMS:
        mean = Fraction(total, n)
        parts.append(("check-ins", 100 * (mean - 1) / 4))
        words[-1] += f", mean {decimals(mean, 2)} of 5 → {tidy(parts[-1][1])}"
    head = f"In the last {WINDOW_DAYS} days: " + "; ".join(words)
    if not parts:
        return not_enough_data(Metric.SELECTION_FIT,
                               f"{head} (each part needs {MIN_ITEMS})")
    weight = sum(WEIGHTS[name] for name, _ in parts)
    score = sum(WEIGHTS[name] * value for name, value in parts) / weight
    used = ", ".join(f"{name} {WEIGHTS[name]}" for name, _ in parts)
    left = [name for name in WEIGHTS if name not in dict(parts)]
    return MetricResult(Metric.SELECTION_FIT, clamp_score(score), (
        f"{head}. Weighted mean ({used})"
        + (f"; left out with fewer than {MIN_ITEMS}: {', '.join(left)}" if left else "")))


def selection_fit(organization_ids: list[int], as_of: datetime) -> dict[int, MetricResult]:
    """Selection fit per account (interviews, retention at 90 days, check-ins; last 365 days)."""
    start = as_of - timedelta(days=WINDOW_DAYS)
    interviews = _interviews(organization_ids, start, as_of)
    retention = _retention(organization_ids, start, as_of)
    check_ins = _check_ins(organization_ids, start, as_of)
    return {org: selection_fit_of(interviews.get(org, (0, 0)), retention.get(org, (0, 0)),
                                  check_ins.get(org, (0, 0)))
            for org in organization_ids}

