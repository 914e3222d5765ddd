"""A placement's selection funnel: computed from its candidates once there are any (sourced,
screened, presented, interviewed, offered, placed, each dated), else the counts staff typed."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock
from portal.extensions import db
from portal.projects.models import FunnelStage, Project, SelectionCount
from portal.projects.services import ProjectError
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    CandidateStatus,
    CandidateStatusChange,
    DecisionKind,
    Shortlist,
    ShortlistEntry,
)


class FunnelNarrows(ProjectError):
    """Each stage keeps some of the candidates of the stage before it, never more."""

    field = "placed"

    def __init__(self, stage: FunnelStage, before: FunnelStage) -> None:
        self.field = stage.value
        super().__init__(f"More {stage.value} than {before.value}: check the numbers.")


@dataclass(frozen=True)
class FunnelRow:
    """One stage as the client sees it."""

    label: str
    candidates: int
    as_of: date
    share_of_first: float


# The computed funnel's stages: a candidate counts in a stage once it reached any of its
# statuses or a later one (a withdrawn or erased candidate keeps the stages it reached).
COMPUTED_STAGES = (
    ("Sourced", CandidateStatus.SOURCED), ("Screened", CandidateStatus.SCREENED),
    ("Presented", CandidateStatus.PRESENTED), ("Interviewed", CandidateStatus.INTERVIEWING),
    ("Offered", CandidateStatus.OFFERED), ("Placed", CandidateStatus.PLACED),
)


def record_funnel(project: Project, *, counts: dict[FunnelStage, int | None], on: date,
                  by: User | None = None) -> None:
    """Save the stages staff filled in, dated `on`; blank stages are left as they were."""
    lock(project)  # the funnel must narrow with what others saved meanwhile, not what was read
    known = {row.stage: row for row in project.selection_counts}
    merged = {stage: row.candidates for stage, row in known.items()}
    merged.update({stage: n for stage, n in counts.items() if n is not None})
    stages = [s for s in FunnelStage if s in merged]
    for before, stage in zip(stages, stages[1:], strict=False):
        if merged[stage] > merged[before]:
            raise FunnelNarrows(stage, before)
    for stage, candidates in counts.items():
        if candidates is None:
            continue
        row = known.get(stage) or SelectionCount(project=project, stage=stage)
        if row.candidates != candidates:
            row.candidates, row.as_of = candidates, on
            db.session.add(row)
    db.session.flush()
    audit.record("funnel.recorded", actor=by, target=project, organization=project.organization,
                 summary=", ".join(f"{s.value} {n}" for s, n in counts.items() if n is not None))


def has_candidates(project: Project) -> bool:
    """Whether candidates are recorded on the project: then the funnel is computed from them."""
    return bool(project.has_candidates)


def funnel_rows(project: Project) -> list[FunnelRow]:
    """The funnel in order, each stage as a share of the first: computed from the candidates
    when there are any, else the stages staff typed."""
    if has_candidates(project):
        return computed_funnel(project)
    by_stage = {row.stage: row for row in project.selection_counts}
    rows = [by_stage[s] for s in FunnelStage if s in by_stage]
    top = rows[0].candidates if rows and rows[0].candidates else 0
    return [
        FunnelRow(r.stage.value.capitalize(), r.candidates, r.as_of,
                  r.candidates / top if top else 0.0)
        for r in rows
    ]


def _reached(project: Project) -> dict[int, dict[CandidateStatus, datetime]]:
    """For each candidate of the project, when it first reached each status."""
    stmt = (select(CandidateStatusChange.candidate_id, CandidateStatusChange.status,
                   func.min(CandidateStatusChange.changed_at))
            .join(Candidate, Candidate.id == CandidateStatusChange.candidate_id)
            .where(Candidate.project_id == project.id)
            .group_by(CandidateStatusChange.candidate_id, CandidateStatusChange.status))
    reached: dict[int, dict[CandidateStatus, datetime]] = {}
    for candidate_id, status, at in db.session.execute(stmt):
        reached.setdefault(candidate_id, {})[status] = at
    return reached


def computed_funnel(project: Project) -> list[FunnelRow]:
    """How many candidates reached each stage (or a later one), dated by the last to reach
    it, from the candidates' dated history; erased candidates count, anonymously."""
    ways = list(_reached(project).values())
    rows = []
    for position, (label, _) in enumerate(COMPUTED_STAGES):
        later = {status for _, status in COMPUTED_STAGES[position:]}
        dates = [min(at for status, at in way.items() if status in later)
                 for way in ways if later & way.keys()]
        if not dates and rows:
            break
        rows.append((label, len(dates), max(dates).date() if dates else None))
    top = rows[0][1] if rows else 0
    return [FunnelRow(label, n, as_of, n / top if top else 0.0)
            for label, n, as_of in rows if as_of is not None]


@dataclass(frozen=True)
class SelectionFigures:
    """What the client is shown of the selection: how soon, how many, how well received."""

    days_to_first_shortlist: int | None
    presented: int
    invited: int

    @property
    def interview_rate(self) -> float | None:
        return self.invited / self.presented if self.presented else None


def selection_figures(project: Project) -> SelectionFigures | None:
    """Days from the project's start to its first shortlist, candidates presented, and how
    many of them the client invited to interview (or reached interview); None without
    candidates."""
    if not has_candidates(project):
        return None
    first = db.session.scalar(select(func.min(Shortlist.presented_at))
                              .where(Shortlist.project_id == project.id))
    started = project.started_on or project.created_at.date()
    presented_ids = select(ShortlistEntry.candidate_id).join(Shortlist).where(
        Shortlist.project_id == project.id)
    presented = db.session.scalar(select(func.count(func.distinct(ShortlistEntry.candidate_id)))
                                  .join(Shortlist).where(Shortlist.project_id == project.id))
    invited_ids = select(CandidateDecision.candidate_id).where(
        CandidateDecision.kind == DecisionKind.INVITE, CandidateDecision.superseded_at.is_(None),
        CandidateDecision.candidate_id.in_(presented_ids))
    interviewed_ids = select(CandidateStatusChange.candidate_id).where(
        CandidateStatusChange.status.in_([CandidateStatus.INTERVIEWING, CandidateStatus.OFFERED,
                                          CandidateStatus.PLACED]),
        CandidateStatusChange.candidate_id.in_(presented_ids))
    invited = db.session.scalar(select(func.count()).select_from(
        invited_ids.union(interviewed_ids).subquery()))
    days = max(0, (first.date() - started) // timedelta(days=1)) if first else None
    return SelectionFigures(days_to_first_shortlist=days, presented=presented or 0,
                            invited=invited or 0)
