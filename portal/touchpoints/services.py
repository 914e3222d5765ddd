"""Rules for touchpoints: logging and removing one, what the client sees of them, the firm's
contact rhythm and the reminder when an account's owner has been out of touch.

What a client's request runs (their "Recent contact" panel): it imports no health code.
Functions flush, never commit; views, the CLI and the daily job commit once.
"""

from datetime import date, datetime, time

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import lock_table
from portal.db import local_today, utcnow, zone_or_utc
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.rendering import absolute_url
from portal.touchpoints.models import (
    DEFAULT_CONTACT_DAYS,
    MAX_NOTE,
    MAX_PEOPLE,
    MAX_SUMMARY,
    Touchpoint,
    TouchpointKind,
    TouchpointSettings,
)
from portal.web import facts

RECENT_FOR_CLIENT = 5
NOON = time(12)


class TouchpointError(ValueError):
    """A touchpoint was refused; the message is for the person at the form, `field` names the
    field it is about (the API's 422 points at it)."""

    def __init__(self, message: str, field: str = "_schema") -> None:
        super().__init__(message)
        self.field = field


def log_touchpoint(organization: Organization, *, by: User, kind: TouchpointKind,
                   occurred_on: date, staff: User | None, client_people: str, note: str,
                   client_summary: str | None, now: datetime | None = None) -> Touchpoint:
    """Keep a call, meeting or site visit; never one dated after today where the client is."""
    now = now or utcnow()
    today = now.astimezone(zone_or_utc(organization.timezone)).date()
    if occurred_on > today:
        raise TouchpointError(f"A touchpoint is logged once it has happened: give a date on or "
                              f"before {today:%-d %b %Y}.", "occurred_on")
    if staff is not None and staff.role == Role.CLIENT:
        raise TouchpointError("Choose someone from the firm.", "staff_id")
    people, note, summary = client_people.strip(), note.strip(), (client_summary or "").strip()
    if not people:
        raise TouchpointError("Say who from the client took part.", "client_people")
    if len(people) > MAX_PEOPLE or len(note) > MAX_NOTE or len(summary) > MAX_SUMMARY:
        raise TouchpointError(f"Keep it short: who {MAX_PEOPLE}, the note {MAX_NOTE} and the "
                              f"summary {MAX_SUMMARY} characters at most.")
    zone = zone_or_utc(organization.timezone)
    touchpoint = Touchpoint(
        organization_id=organization.id, kind=kind, occurred_on=occurred_on, staff=staff,
        occurred_at=datetime.combine(occurred_on, NOON, tzinfo=zone),
        client_people=people, note=note, client_summary=summary or None, recorded_at=now,
        recorded_by=by)
    db.session.add(touchpoint)
    db.session.flush()
    audit.record("touchpoint.logged", actor=by, target=organization, organization=organization,
                 summary=f"{kind.label} on {occurred_on:%-d %b %Y} logged")
    return touchpoint


def remove_touchpoint(touchpoint: Touchpoint, *, by: User, now: datetime | None = None) -> bool:
    """Take a touchpoint off the account (kept for the health weeks that counted it); False if
    it was removed already."""
    if touchpoint.removed_at is not None:
        return False
    touchpoint.removed_at, touchpoint.removed_by_id = now or utcnow(), by.id
    audit.record("touchpoint.removed", actor=by, target=touchpoint.organization,
                 organization=touchpoint.organization,
                 summary=f"{touchpoint.kind.label} on {touchpoint.occurred_on:%-d %b %Y} removed")
    db.session.flush()
    return True


def get_touchpoint(organization: Organization, touchpoint_id: int) -> Touchpoint | None:
    """The account's touchpoint with this id, if it has one (removed or not)."""
    touchpoint = db.session.get(Touchpoint, touchpoint_id)
    return touchpoint if touchpoint and touchpoint.organization_id == organization.id else None


def recent_touchpoints(organization: Organization, limit: int = 3) -> list[Touchpoint]:
    """The account's latest touchpoints, for its page (staff)."""
    return list(db.session.scalars(
        select(Touchpoint).where(Touchpoint.organization_id == organization.id,
                                 Touchpoint.removed_at.is_(None))
        .options(selectinload(Touchpoint.staff))
        .order_by(Touchpoint.occurred_on.desc(), Touchpoint.id.desc()).limit(limit)))


RECENT_CONTACT = "touchpoints.recent_contact"  # the fact: (how many, the latest id, who)


def _shown_to_clients(organization_id):
    return and_(Touchpoint.organization_id == organization_id, Touchpoint.removed_at.is_(None),
                Touchpoint.client_summary.is_not(None))


def _shown_staff(organization_id) -> Select:
    """The name and photo version of each staff member the panel shows, as one string: a
    rename or a new photo renders the panel again."""
    latest = (select(Touchpoint.staff_id).where(_shown_to_clients(organization_id))
              .order_by(Touchpoint.occurred_on.desc(), Touchpoint.id.desc())
              .limit(RECENT_FOR_CLIENT).correlate(None).subquery())
    who = (select((User.name + "/" + func.coalesce(User.photo_version, "")).label("who"))
           .where(User.id.in_(select(latest.c.staff_id))).order_by(User.id)
           .correlate(None).subquery())
    return select(func.coalesce(func.aggregate_strings(who.c.who, "|"), ""))


def signed_in_recent_contact() -> list:
    """How many touchpoints with a summary the signed-in client's account has, the latest id
    and who from the firm they show, as columns read with the user (portal/web/facts.py): the
    dashboard's "Recent contact" is rendered again only when they change, so a cached
    dashboard costs no statement more."""
    organization = select(User.organization_id).where(User.id == bindparam("user_id"))
    shown = _shown_to_clients(organization.scalar_subquery())
    return [select(func.count(Touchpoint.id)).where(shown).scalar_subquery(),
            select(func.coalesce(func.max(Touchpoint.id), 0)).where(shown).scalar_subquery(),
            _shown_staff(organization.scalar_subquery()).scalar_subquery()]


def recent_contact_version(user: User) -> tuple[int, int, str]:
    """(how many, the latest id, who) of the touchpoints the client's "Recent contact" shows."""
    known = facts.known(RECENT_CONTACT)
    if known is not None:
        return tuple(known)
    count, latest = db.session.execute(select(func.count(Touchpoint.id),
                                              func.coalesce(func.max(Touchpoint.id), 0))
                                       .where(_shown_to_clients(user.organization_id))).one()
    return count, latest, db.session.scalar(_shown_staff(user.organization_id))


def recent_for_client(user: User, limit: int = RECENT_FOR_CLIENT) -> list[Touchpoint]:
    """The touchpoints of the client's own account that carry a summary for them, latest
    first: what the client sees is the summary, the kind, the day and who from the firm."""
    if user.is_staff or user.organization_id is None:
        return []
    return list(db.session.scalars(
        select(Touchpoint).where(_shown_to_clients(user.organization_id))
        .options(selectinload(Touchpoint.staff))
        .order_by(Touchpoint.occurred_on.desc(), Touchpoint.id.desc()).limit(limit)))


def contact_days() -> int:
    """How often an account's owner should be in touch with it (days)."""
    settings = db.session.get(TouchpointSettings, 1)
    return settings.contact_days if settings else DEFAULT_CONTACT_DAYS


def save_contact_days(days: int, *, by: User) -> None:
    """Set the firm's contact rhythm: the reminder's gap and the Contact recency target."""
    if not 1 <= days <= 365:
        raise TouchpointError("Give a number of days from 1 to 365.")
    lock_table(TouchpointSettings)  # one row, perhaps not there yet: two first saves
    settings = db.session.get(TouchpointSettings, 1) or TouchpointSettings(id=1)
    settings.contact_days, settings.updated_at, settings.updated_by_id = days, utcnow(), by.id
    db.session.add(settings)
    audit.record("touchpoint.settings_changed", actor=by,
                 summary=f"an account's owner is reminded after {days} days without contact")
    db.session.flush()


def _last_by_owner() -> dict[tuple[int, int], date]:
    """The day of each owner's latest touchpoint with each account they own (not removed)."""
    return {(org, staff): day for org, staff, day in db.session.execute(
        select(Touchpoint.organization_id, Touchpoint.staff_id, func.max(Touchpoint.occurred_on))
        .join(Organization, Organization.id == Touchpoint.organization_id)
        .where(Touchpoint.staff_id == Organization.account_owner_id,
               Touchpoint.removed_at.is_(None))
        .group_by(Touchpoint.organization_id, Touchpoint.staff_id))}


def queue_contact_reminders(now: datetime | None = None) -> list[OutboxMessage]:
    """Email each account's owner who has had no touchpoint with it for the firm's number of
    days: once per gap (the gap is named by its last touchpoint, or the account's creation),
    so running it again, or daily, sends nothing twice."""
    now = now or utcnow()
    days = contact_days()
    last = _last_by_owner()
    accounts = db.session.scalars(
        select(Organization).where(Organization.archived_at.is_(None),
                                   Organization.account_owner_id.is_not(None))
        .options(selectinload(Organization.account_owner)).order_by(Organization.id))
    messages = []
    for org in accounts:
        owner = org.account_owner
        if not owner.active or not owner.is_staff:
            continue
        today = now.astimezone(zone_or_utc(org.timezone)).date()
        since = last.get((org.id, owner.id))
        start = since or org.created_at.astimezone(zone_or_utc(org.timezone)).date()
        if (today - start).days < days:
            continue
        message = notifications.queue_message(
            owner, MessageKind.TOUCHPOINT_REMINDER,
            dedupe_key=f"touchpoint-reminder:{org.id}:{owner.id}:{start.isoformat()}",
            subject=f"Time to get in touch with {org.name}",
            organization_name=org.name, days=(today - start).days, contact_days=days,
            last=f"{since:%-d %b %Y}" if since else None,
            log_url=absolute_url("touchpoints.new_touchpoint", organization_id=org.id))
        if message is not None:
            messages.append(message)
    db.session.flush()
    return messages


def today_for(organization: Organization) -> date:
    """Today where the account is: the latest day a touchpoint may be dated."""
    return local_today(organization.timezone)


def days_since(day: date, organization: Organization) -> int:
    """Whole days from `day` to today where the account is."""
    return (today_for(organization) - day).days


def staff_choices() -> list[User]:
    """The active members of staff a touchpoint can name."""
    return list(db.session.scalars(select(User).where(
        User.role != Role.CLIENT, User.active.is_(True)).order_by(User.name)))
