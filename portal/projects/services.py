"""Rules for projects, milestones, updates and ETAs. Functions flush; the caller commits."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock
from portal.db import local_today, utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.projects.models import (
    Confidence,
    EtaChange,
    Milestone,
    Project,
    ProjectStatus,
    Question,
    StatusUpdate,
    UpdateDraft,
    UpdateRevision,
)
from portal.projects.summary import standing_after
from portal.projects.track_record import UpdateSpan
from portal.pulses import services as pulses
from portal.webhooks import events as webhooks


class ProjectError(ValueError):
    """A change to a project was refused; `field` names the form field to show it on, and
    `milestone_id` the milestone it is about, if any."""

    field = "body"
    milestone_id: int | None = None


class EtaReasonRequired(ProjectError):
    """Moving an ETA later needs a reason the client can read."""

    field = "reason"

    def __init__(self) -> None:
        super().__init__("The new ETA is later than the one the client was given: say why.")


class EtaInPast(ProjectError):
    """An open project cannot promise a date that has already gone."""

    field = "eta"

    def __init__(self) -> None:
        super().__init__(
            "The ETA of an open project cannot be in the past: give the client a new date."
        )


class ProjectClosed(ProjectError):
    """A closed project's record is history: it takes no more updates or ETA changes."""

    def __init__(self) -> None:
        super().__init__("This project is closed: its status and dates can no longer change.")


class DuplicateProjectName(ProjectError):
    """Two projects of one client with the same name would confuse everyone."""

    field = "name"

    def __init__(self, name: str) -> None:
        super().__init__(f"This client already has a project called {name}.")


class MilestoneInFuture(ProjectError):
    """A milestone is done when it is done, not on a day still to come."""

    field = "completed_on"

    def __init__(self) -> None:
        super().__init__("A milestone cannot be completed on a future date.")


class EmptyUpdate(ProjectError):
    """An update with nothing to say."""

    def __init__(self) -> None:
        super().__init__("Write what has happened: the update is empty.")


def create_project(
    organization: Organization,
    *,
    name: str,
    summary: str = "",
    contact: User | None = None,
    update_cadence_days: int = 7,
    eta: date | None = None,
    eta_confidence: Confidence = Confidence.MEDIUM,
    started_on: date | None = None,
    status: ProjectStatus = ProjectStatus.NOT_STARTED,
    opened_on: date | None = None,
    by: User | None = None,
) -> Project:
    """Open a project for a client organisation; its ETA cannot be before the day it opens."""
    name = name.strip()
    taken = db.session.scalar(select(Project.id).where(
        Project.organization_id == organization.id, func.lower(Project.name) == name.lower()
    ))
    if taken:
        raise DuplicateProjectName(name)
    if contact is not None and not contact.is_staff:
        raise ProjectError("The contact person must be a member of staff.")
    if eta is not None and eta < (opened_on or local_today(organization.timezone)):
        raise EtaInPast()
    project = Project(
        organization=organization, name=name.strip(), summary=summary.strip(), contact=contact,
        update_cadence_days=update_cadence_days, eta=eta, eta_confidence=eta_confidence,
        started_on=started_on, status=status,
    )
    db.session.add(project)
    db.session.flush()
    audit.record("project.opened", actor=by, target=project, organization=organization,
                 summary=project.name)
    return project


def add_milestone(
    project: Project, *, title: str, owner: User | None = None, planned_on: date | None = None
) -> Milestone:
    """Append a milestone; its first ETA is the planned date."""
    lock(project)  # its place is counted from the others
    milestone = Milestone(
        title=title.strip(), owner=owner, planned_on=planned_on, eta=planned_on,
        position=max((m.position for m in project.milestones), default=-1) + 1,
    )
    project.milestones.append(milestone)
    db.session.flush()
    return milestone


def _check_reason(old: date | None, new: date | None, reason: str | None) -> None:
    if old is not None and new is not None and new > old and not (reason or "").strip():
        raise EtaReasonRequired()


def _record_eta_change(
    project: Project, *, old: date | None, new: date, reason: str | None, by: User | None,
    at: datetime, milestone: Milestone | None = None, update: StatusUpdate | None = None,
) -> EtaChange:
    change = EtaChange(
        project=project, milestone=milestone, update=update, old_eta=old, new_eta=new,
        reason=(reason or "").strip() or None, changed_by=by, changed_at=at,
    )
    db.session.add(change)
    db.session.flush()
    webhooks.eta_changed(change)
    return change


@dataclass(frozen=True)
class MilestoneChange:
    """What staff entered for one open milestone with an update; None leaves a field as it is
    (an owner_id of 0 means "nobody yet")."""

    milestone_id: int
    completed_on: date | None = None
    eta: date | None = None
    reason: str | None = None
    owner_id: int | None = None


def publish_update(
    project: Project,
    *,
    author: User,
    body: str,
    status: ProjectStatus,
    eta: date | None = None,
    eta_confidence: Confidence | None = None,
    reason: str | None = None,
    published_at: datetime | None = None,
    internal_note: str | None = None,
    ask_feedback: bool = False,
    milestones: Sequence[MilestoneChange] = (),
    seen: str | None = None,
) -> StatusUpdate:
    """Publish a status update with its ETA and milestone changes; a later ETA needs a reason.

    Checked against the project as it is now, locked (the project, then its milestones):
    `seen` is the plan_version() the form was opened on, refused (ChangedMeanwhile) if the plan
    changed since. Publishing replaces the author's draft for this project, if there was one.
    A refused milestone change raises with its `milestone_id`; the caller rolls back.
    """
    lock(project)
    lock(*project.milestones)
    check_version(seen, plan_version(project))
    published_at = published_at or utcnow()  # after the lock: the history is in time order
    _check_update(project, body=body, eta=eta, reason=reason, at=published_at)
    update = StatusUpdate(
        project=project, author=author, body=body.strip(), status=status,
        eta=eta or project.eta, eta_confidence=eta_confidence or project.eta_confidence,
        published_at=published_at, internal_note=(internal_note or "").strip() or None,
        ask_feedback=ask_feedback,
    )
    db.session.add(update)
    discard_draft(project, author=author)
    _move_project(project, update, reason=reason)
    _announce(update)
    for change in milestones:
        _change_milestone_with(update, change)
    # After the steps moved, so that the summary opening the email says where they are now.
    notifications.queue_update_published(update, standing_after(update))
    webhooks.update_published(update)
    return update


def _check_update(project: Project, *, body: str, eta: date | None, reason: str | None,
                  at: datetime) -> None:
    """The rules an update must meet before anything is written."""
    if project.is_closed:
        raise ProjectClosed()
    if not body.strip():
        raise EmptyUpdate()
    today = at.astimezone(ZoneInfo(project.organization.timezone)).date()
    if (eta or project.eta) is not None and (eta or project.eta) < today:
        raise EtaInPast()
    _check_reason(project.eta, eta, reason)


def _move_project(project: Project, update: StatusUpdate, *, reason: str | None) -> None:
    """The project takes the update's status, ETA (kept in its history) and confidence."""
    if update.eta is not None and update.eta != project.eta:
        _record_eta_change(
            project, old=project.eta, new=update.eta, reason=reason, by=update.author,
            at=update.published_at, update=update,
        )
        project.eta = update.eta
    project.status = update.status
    project.eta_confidence = update.eta_confidence
    db.session.flush()


def _announce(update: StatusUpdate) -> None:
    """Audit the update and, if asked, ask how it went (the email goes once the milestones
    moved with it)."""
    project = update.project
    audit.record("update.published", actor=update.author, target=update,
                 organization=project.organization,
                 summary=f"{project.name}: {update.status.label}, ETA {update.eta or 'none'}")
    if update.ask_feedback:
        pulses.pulses_for_update(update, now=update.published_at)


def _change_milestone_with(update: StatusUpdate, change: MilestoneChange) -> None:
    """Apply one milestone's changes as of the update; a refusal names the milestone."""
    milestone = next((m for m in update.project.milestones if m.id == change.milestone_id), None)
    try:
        if milestone is None:
            raise ProjectError("That milestone is not one of this project's.")
        change_milestone(milestone, by=update.author, at=update.published_at,
                         completed_on=change.completed_on, eta=change.eta, reason=change.reason)
        if change.owner_id is not None:
            owner = db.session.get(User, change.owner_id) if change.owner_id else None
            reassign_milestone(milestone, owner=owner, by=update.author)
    except ProjectError as error:
        error.milestone_id = change.milestone_id
        raise


def plan_version(project: Project) -> str:
    """The version of what the publish form shows and may change: the project's status and
    ETA, and each open milestone's ETA, owner and completion."""
    return edit_version(
        project.status, project.eta, project.eta_confidence,
        [(m.id, m.eta, m.owner_id, m.completed_on) for m in project.milestones if not m.is_done],
    )


def move_milestone_eta(
    milestone: Milestone, *, eta: date, by: User, reason: str | None = None,
    at: datetime | None = None,
) -> EtaChange | None:
    """Give a milestone a new ETA, kept in the project's ETA history (checked as it is now)."""
    lock(milestone.project, milestone)
    if milestone.project.is_closed:
        raise ProjectClosed()
    if eta == milestone.eta:
        return None
    _check_reason(milestone.eta, eta, reason)
    change = _record_eta_change(
        milestone.project, old=milestone.eta, new=eta, reason=reason, by=by,
        at=at or utcnow(), milestone=milestone,
    )
    milestone.eta = eta
    db.session.flush()
    audit.record("milestone.eta_moved", actor=by, target=milestone,
                 organization=milestone.project.organization,
                 summary=f"{milestone.title}: {change.old_eta} -> {eta}")
    return change


def complete_milestone(milestone: Milestone, *, on: date, by: User | None = None,
                       at: datetime | None = None) -> None:
    """Mark a milestone done on the given day (not one still to come) and ask how it went."""
    if on > local_today(milestone.project.organization.timezone):
        raise MilestoneInFuture()
    milestone.completed_on = on
    db.session.flush()
    audit.record("milestone.completed", actor=by, target=milestone,
                 organization=milestone.project.organization, summary=f"{milestone.title}: {on}")
    webhooks.milestone_completed(milestone)
    pulses.pulses_for_milestone(milestone, now=at)


def close_project(project: Project, *, on: date, by: User | None = None) -> None:
    """Mark the work delivered: status done and a closing date."""
    project.status = ProjectStatus.DONE
    project.closed_on = on
    db.session.flush()
    audit.record("project.closed", actor=by, target=project, organization=project.organization,
                 summary=f"{project.name}: closed {on}")


def update_spans(project_ids: list[int]) -> dict[int, UpdateSpan]:
    """First and last update time and update count per project, in one grouped query."""
    rows = db.session.execute(
        select(
            StatusUpdate.project_id, func.min(StatusUpdate.published_at),
            func.max(StatusUpdate.published_at), func.count(),
        )
        .where(StatusUpdate.project_id.in_(project_ids))
        .group_by(StatusUpdate.project_id)
    )
    spans = {pid: UpdateSpan(None, None, 0) for pid in project_ids}
    for project_id, first, last, count in rows:
        spans[project_id] = UpdateSpan(first, last, count)
    return spans


@dataclass(frozen=True)
class FirstAnswerTime:
    """How long clients waited for a first answer: the mean over the questions answered, and
    how many were answered and are still waiting (not in the mean)."""

    average: timedelta | None
    answered: int
    waiting: int


def first_answer_time(project_ids: list[int]) -> FirstAnswerTime:
    """The mean wait from a question to its first answer on these projects, and its n."""
    rows = db.session.execute(
        select(Question.asked_at, Question.first_answered_at)
        .where(Question.project_id.in_(project_ids))
    ).all()
    waits = [answered - asked for asked, answered in rows if answered is not None]
    average = sum(waits, timedelta()) / len(waits) if waits else None
    return FirstAnswerTime(average, len(waits), len(rows) - len(waits))


def reassign_milestone(milestone: Milestone, *, owner: User | None,
                       by: User | None = None) -> None:
    """Name a different person the client should call for this step."""
    if owner is not None and not owner.is_staff:
        raise ProjectError("Only a member of staff can own a milestone.")
    if milestone.owner_id != (owner.id if owner else None):
        milestone.owner = owner
        db.session.flush()
        audit.record("milestone.reassigned", actor=by, target=milestone,
                     organization=milestone.project.organization,
                     summary=f"{milestone.title}: {owner.name if owner else 'nobody'}")


def change_milestone(
    milestone: Milestone, *, by: User, completed_on: date | None = None, eta: date | None = None,
    reason: str | None = None, at: datetime | None = None,
) -> None:
    """Apply a new ETA or a completion staff entered for one milestone alongside an update."""
    lock(milestone.project, milestone)
    if milestone.project.is_closed:
        raise ProjectClosed()
    if eta is not None and not milestone.is_done:
        move_milestone_eta(milestone, eta=eta, by=by, reason=reason, at=at)
    if completed_on is not None and not milestone.is_done:
        complete_milestone(milestone, on=completed_on, by=by, at=at)


def draft_of(project: Project, author: User) -> UpdateDraft | None:
    """The author's unpublished update for this project, if they saved one."""
    return db.session.scalars(select(UpdateDraft).where(
        UpdateDraft.project_id == project.id, UpdateDraft.author_id == author.id
    )).first()


def save_draft(
    project: Project, *, author: User, body: str, status: ProjectStatus, eta: date | None,
    eta_confidence: Confidence, reason: str | None = None, internal_note: str | None = None,
    ask_feedback: bool = False,
) -> UpdateDraft:
    """Keep an update for later; the client sees nothing of it until it is published."""
    lock(project)  # one draft per author: a double submit finds the first one
    if project.is_closed:
        raise ProjectClosed()
    draft = draft_of(project, author) or UpdateDraft(project=project, author=author)
    draft.body, draft.status, draft.eta, draft.eta_confidence = body, status, eta, eta_confidence
    draft.reason, draft.internal_note, draft.ask_feedback = reason, internal_note, ask_feedback
    draft.saved_at = utcnow()
    db.session.add(draft)
    db.session.flush()
    return draft


def discard_draft(project: Project, *, author: User) -> None:
    """Forget the author's draft for this project."""
    draft = draft_of(project, author)
    if draft is not None:
        db.session.delete(draft)


def correction_version(update: StatusUpdate) -> str:
    """The version of what the correction form shows: the update's text and internal note."""
    return edit_version(update.body, update.internal_note)


def edit_update(update: StatusUpdate, *, editor: User, body: str,
                internal_note: str | None, seen: str | None = None) -> None:
    """Correct a published update; the words it had are kept as a revision, marked edited.

    `seen` is the correction_version() the form was opened on; refused if it changed since.
    """
    lock(update.project, update)
    check_version(seen, correction_version(update))
    if not body.strip():
        raise EmptyUpdate()
    update.internal_note = (internal_note or "").strip() or None
    if body.strip() != update.body:
        update.revisions.append(UpdateRevision(body=update.body, replaced_by=editor))
        update.body = body.strip()
        update.edited_at = utcnow()
    db.session.flush()
    audit.record("update.edited", actor=editor, target=update,
                 organization=update.project.organization, summary=update.project.name)
