"""Mending milestones from the browser: staff edit one (title, owner, place in the plan) or
delete it, each audited with the old and the new value.

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
from portal.plain_text import counted
from portal.projects.models import EtaChange, Milestone
from portal.projects.services import ProjectClosed, ProjectError


class MilestoneChanged(ProjectError):
    """The milestone changed since the form was shown: nothing was written."""

    field = "title"

    def __init__(self) -> None:
        super().__init__("This milestone changed while you were editing it: here is its "
                         "current state. Check it, then submit again.")


class MilestoneHasHistory(ProjectError):
    """Its ETA moves are in the client's ETA history: deleting it would rewrite that history."""

    def __init__(self, moves: int) -> None:
        super().__init__(f"This milestone's ETA was moved ({counted(moves, 'time')}), and the "
                         "client's ETA history shows those moves, so it cannot be deleted. "
                         "Rename it if its title is wrong.")


class MilestoneDelivered(ProjectError):
    """A delivered milestone counts in promises kept: deleting it would rewrite that figure."""

    def __init__(self) -> None:
        super().__init__("This milestone was delivered, so it counts in the promises-kept "
                         "figures the client sees: it cannot be deleted. Rename it if its "
                         "title is wrong.")


def milestone_stamp(milestone: Milestone) -> str:
    """A digest of what the forms show of a milestone, posted back with them."""
    shown = [milestone.title, milestone.planned_on, milestone.eta, milestone.completed_on,
             milestone.owner_id, milestone.position]
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
            Milestone.position == milestone.position,
        ),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise MilestoneChanged()


KEEP = object()  # an argument left as it is


def _refused(message: str, field: str) -> ProjectError:
    """A refusal shown on one field of the edit form."""
    error = ProjectError(message)
    error.field = field
    return error


def edit_milestone(milestone: Milestone, *, title: str, stamp: str, by: User,
                   owner: User | None | object = KEEP, place: int | None = None) -> dict:
    """Change a milestone's title, owner (None: nobody yet) and place in the plan (1 is
    first), everywhere the client sees it; the changes made, by field (old, new)."""
    title = title.strip()
    if not title:
        raise _refused("Give the milestone a title.", "title")
    if owner is not KEEP and owner is not None and not owner.is_staff:
        raise _refused("Only a member of staff can own a milestone.", "owner_id")
    owner_id = milestone.owner_id if owner is KEEP else (owner.id if owner else None)
    ordered = list(milestone.project.milestones)
    old_place = ordered.index(milestone) + 1
    place = old_place if place is None else place
    if not 1 <= place <= len(ordered):
        raise _refused(f"Choose a place from 1 to {len(ordered)}.", "place")
    names = {None: "nobody"} | {u.id: u.name for u in (milestone.owner, owner)
                                if isinstance(u, User)}
    changes = {key: (old, new) for key, old, new in (
        ("title", milestone.title, title),
        ("owner", names[milestone.owner_id], names[owner_id]),
        ("place", old_place, place)) if old != new}
    if not changes:
        return changes
    _unless_changed(milestone, stamp, update(Milestone).values(title=title, owner_id=owner_id))
    db.session.expire(milestone, ["title", "owner_id", "owner"])
    if place != old_place:
        ordered.remove(milestone)
        ordered.insert(place - 1, milestone)
        _renumber(ordered)
    db.session.flush()
    audit.record("milestone.edited", actor=by, target=milestone,
                 organization=milestone.project.organization,
                 summary="; ".join(f"{key}: {old!r} -> {new!r}"
                                   for key, (old, new) in changes.items()))
    return changes


def _renumber(ordered: list[Milestone]) -> None:
    """Positions 0, 1, 2... in this order, through places no milestone holds yet (the unique
    (project, position) is checked row by row on PostgreSQL)."""
    clear = max(m.position for m in ordered) + 1
    for offset, milestone in enumerate(ordered):
        milestone.position = clear + offset
    db.session.flush()
    for position, milestone in enumerate(ordered):
        milestone.position = position
    db.session.flush()
    db.session.expire(ordered[0].project, ["milestones"])


def delete_milestone(milestone: Milestone, *, stamp: str, by: User) -> None:
    """Delete an open milestone of an open project while nothing is recorded against it: no
    delivery and no ETA move in the client's history."""
    project = milestone.project
    if milestone.is_done:
        raise MilestoneDelivered()
    if project.is_closed:
        raise ProjectClosed()
    if moves := eta_moves(milestone):
        raise MilestoneHasHistory(moves)
    _unless_changed(milestone, stamp, delete(Milestone))
    db.session.expunge(milestone)
    db.session.expire(project, ["milestones", "eta_changes"])
    db.session.flush()
    audit.record("milestone.deleted", actor=by, target=milestone, organization=project.organization,
                 summary=f"{milestone.title} (planned {milestone.planned_on or 'no date'}, "
                         f"ETA {milestone.eta or 'none'})")
