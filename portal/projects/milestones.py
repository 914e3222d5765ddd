"""Mending milestones from the browser: staff rename or delete one, each audited.

Both forms carry a stamp of the milestone as it was shown; a submit whose stamp no longer
matches, or that loses a race with another edit, is refused rather than written over the newer
state. Deleting keeps the figures the client has been shown honest: a delivered milestone counts
in promises kept, so it stays (its title can still be mended); an open one goes with its ETA
moves, which no figure counts. Functions flush; the caller commits.
"""

import hashlib
import json

from sqlalchemy import delete, func, select, update

from portal.audit import services as audit
from portal.auth.models import User
from portal.extensions import db
from portal.projects.models import EtaChange, Milestone
from portal.projects.services import ProjectClosed, ProjectError


class MilestoneChanged(ProjectError):
    """The milestone changed since the form was shown: nothing was written."""

    field = "title"

    def __init__(self) -> None:
        super().__init__("This milestone changed while you were editing it: here is its "
                         "current state. Check it, then submit again.")


class MilestoneDelivered(ProjectError):
    """A delivered milestone counts in promises kept: deleting it would rewrite that figure."""

    def __init__(self) -> None:
        super().__init__("This milestone was delivered, so it counts in the promises-kept "
                         "figures the client sees: it cannot be deleted. Rename it if its "
                         "title is wrong.")


def milestone_stamp(milestone: Milestone) -> str:
    """A digest of what the forms show of a milestone, posted back with them."""
    shown = [milestone.title, milestone.planned_on, milestone.eta, milestone.completed_on,
             milestone.owner_id]
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:20]


def eta_moves(milestone: Milestone) -> int:
    """How many ETA changes the project's history holds for this milestone."""
    return db.session.scalar(
        select(func.count()).select_from(EtaChange).where(EtaChange.milestone_id == milestone.id)
    )


def _unless_changed(milestone: Milestone, stamp: str, statement) -> None:
    """Run an UPDATE or DELETE of this milestone only if it is still as the form showed it
    (checked in the statement itself, so a concurrent edit cannot slip in between)."""
    if stamp != milestone_stamp(milestone):
        raise MilestoneChanged()
    result = db.session.execute(
        statement.where(
            Milestone.id == milestone.id, Milestone.title == milestone.title,
            Milestone.planned_on.is_not_distinct_from(milestone.planned_on),
            Milestone.eta.is_not_distinct_from(milestone.eta),
            Milestone.completed_on.is_not_distinct_from(milestone.completed_on),
            Milestone.owner_id.is_not_distinct_from(milestone.owner_id),
        ),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise MilestoneChanged()


def rename_milestone(milestone: Milestone, *, title: str, stamp: str, by: User) -> None:
    """Give a milestone a new title, everywhere the client sees it (history included)."""
    old, title = milestone.title, title.strip()
    if not title:
        raise ProjectError("Give the milestone a title.")
    if title == old:
        return
    _unless_changed(milestone, stamp, update(Milestone).values(title=title))
    db.session.expire(milestone, ["title"])
    db.session.flush()
    audit.record("milestone.renamed", actor=by, target=milestone,
                 organization=milestone.project.organization, summary=f"{old} -> {title}")


def delete_milestone(milestone: Milestone, *, stamp: str, by: User) -> None:
    """Delete an open milestone of an open project, with its ETA moves."""
    project = milestone.project
    if milestone.is_done:
        raise MilestoneDelivered()
    if project.is_closed:
        raise ProjectClosed()
    moves = eta_moves(milestone)
    db.session.execute(delete(EtaChange).where(EtaChange.milestone_id == milestone.id))
    _unless_changed(milestone, stamp, delete(Milestone))
    db.session.expunge(milestone)
    db.session.expire(project, ["milestones", "eta_changes"])
    db.session.flush()
    audit.record("milestone.deleted", actor=by, target=milestone, organization=project.organization,
                 summary=f"{milestone.title} (planned {milestone.planned_on or 'no date'}, "
                         f"ETA {milestone.eta or 'none'}; {moves} ETA moves removed)")
