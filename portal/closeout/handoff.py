"""The hand-off to client care at a closeout: the account's health page as it stood goes to the
client-care owner (email and staff home), who becomes the account's owner for health alerts
when no other project is open, and asks the client "Anything we can help with?" 90 days on.

Functions flush; the caller commits.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.closeout.models import CareHandoff, Closeout
from portal.extensions import db
from portal.notifications.follow_ups import queue_care_handoff
from portal.projects.models import Project
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger

CARE_PULSE_DAYS = 90
SHOWN_DAYS = 90  # a hand-off stays on the client-care owner's staff home this long


def other_open_project(project: Project) -> bool:
    """Whether the account has a project other than this one still open (and not archived)."""
    return db.session.scalar(select(Project.id).where(
        Project.organization_id == project.organization_id, Project.id != project.id,
        Project.closed_on.is_(None), Project.archived_at.is_(None)).limit(1)) is not None


def hand_off_to_care(closeout: Closeout, *, at: datetime) -> CareHandoff:
    """Keep the account's health page as it stands for the client-care owner, email it to
    them, make them the account's care owner (and so its owner for health alerts) when no
    other project is open, and schedule the 90-day care pulse."""
    from portal.health.handoff import health_as_it_stands  # staff only: never a client's request

    project = closeout.project
    organization = project.organization
    handoff = CareHandoff(
        closeout=closeout, organization_id=organization.id, care_owner=closeout.care_contact,
        handed_at=at, health=health_as_it_stands(organization, at),
        care_pulse_due_at=at + timedelta(days=CARE_PULSE_DAYS),
    )
    db.session.add(handoff)
    if not other_open_project(project):
        organization.care_owner = closeout.care_contact
    db.session.flush()
    queue_care_handoff(handoff, project_name=project.name)
    return handoff


def change_care_owner(closeout: Closeout) -> CareHandoff | None:
    """The closeout now names another care contact: the hand-off (its health as it stood, its
    care pulse) passes to them, with its email, and so does the account's care if it was the
    previous contact's."""
    handoff = db.session.scalars(select(CareHandoff).where(
        CareHandoff.closeout_id == closeout.id)).first()
    if handoff is None or handoff.care_owner_id == closeout.care_contact.id:
        return None
    organization = closeout.project.organization
    if organization.care_owner_id == handoff.care_owner_id:
        organization.care_owner = closeout.care_contact
    handoff.care_owner = closeout.care_contact
    db.session.flush()
    queue_care_handoff(handoff, project_name=closeout.project.name)
    return handoff


def handoffs_for(user: User, now: datetime) -> list[CareHandoff]:
    """The hand-offs to this member of staff in the last 90 days, newest first."""
    return list(db.session.scalars(
        select(CareHandoff).where(CareHandoff.care_owner_id == user.id,
                                  CareHandoff.handed_at >= now - timedelta(days=SHOWN_DAYS))
        .options(selectinload(CareHandoff.closeout).selectinload(Closeout.project))
        .order_by(CareHandoff.handed_at.desc())))


def send_care_pulses(now: datetime) -> list[PulseRequest]:
    """The 90-day care pulse of each hand-off that is due, to each client user of a live
    account, through the normal pulse path (its fatigue rule holds one if need be); each
    hand-off's pulse goes once, however often this runs."""
    archived = select(Organization.id).where(Organization.archived_at.is_not(None))
    due = db.session.scalars(
        select(CareHandoff).where(CareHandoff.care_pulse_sent_at.is_(None),
                                  CareHandoff.care_pulse_due_at <= now,
                                  CareHandoff.organization_id.not_in(archived))
        .order_by(CareHandoff.care_pulse_due_at).with_for_update(skip_locked=True)).all()
    sent = []
    for handoff in due:
        handoff.care_pulse_sent_at = now
        project = handoff.closeout.project
        for user in db.session.scalars(select(User).where(
                User.organization_id == handoff.organization_id, User.role == Role.CLIENT,
                User.active.is_(True)).order_by(User.id)):
            sent.append(pulses.request_pulse(user, trigger=Trigger.CARE, project=project,
                                             now=now))
    db.session.flush()
    return sent
