"""A placement's selection funnel: sourced, screened, interviewed, presented, placed."""

from dataclasses import dataclass
from datetime import date

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock
from portal.extensions import db
from portal.projects.models import FunnelStage, Project, SelectionCount
from portal.projects.services import ProjectError


class FunnelNarrows(ProjectError):
    """Each stage keeps some of the candidates of the stage before it, never more."""

    field = "placed"

    def __init__(self, stage: FunnelStage, before: FunnelStage) -> None:
        self.field = stage.value
        super().__init__(f"More {stage.value} than {before.value}: check the numbers.")


@dataclass(frozen=True)
class FunnelRow:
    """One stage as the client sees it."""

    stage: FunnelStage
    candidates: int
    as_of: date
    share_of_first: float


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


def funnel_rows(project: Project) -> list[FunnelRow]:
    """The stages entered so far, in funnel order, each as a share of the first stage."""
    by_stage = {row.stage: row for row in project.selection_counts}
    rows = [by_stage[s] for s in FunnelStage if s in by_stage]
    top = rows[0].candidates if rows and rows[0].candidates else 0
    return [
        FunnelRow(r.stage, r.candidates, r.as_of, r.candidates / top if top else 0.0)
        for r in rows
    ]
