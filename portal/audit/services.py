"""Recording and reading audit events. Functions flush; the caller commits with its change."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_request_context, request
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db

PAGE_SIZE = 100
ADDRESSES_PER_QUERY = 50  # a privacy request's addresses, searched for a few at a time


def record(
    action: str, *, actor: User | None, target: object | None = None,
    organization: Organization | None = None, summary: str = "", ip_address: str | None = None,
) -> AuditEvent:
    """Note an action in the same transaction as the change it describes; the address is the
    request's unless given (a job acting on a request names it). A change made through the API
    is noted under the key's name (the request's `audit_actor_label`), not its creator's."""
    label = g.get("audit_actor_label") if has_request_context() else None
    event = AuditEvent(
        action=action, actor=None if label else actor,
        actor_email=label[:254] if label else actor.email if actor else None,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None), organization=organization,
        summary=summary[:2000],
        ip_address=ip_address or (request.remote_addr if has_request_context() else None),
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrowed the log to; every field optional."""

    action: str | None = None
    actor_email: str | None = None
    organization_id: int | None = None
    since: date | None = None
    until: date | None = None


def _filtered(criteria: AuditFilter, zone: ZoneInfo) -> Select:
    stmt = select(AuditEvent)
    if criteria.action:
        stmt = stmt.where(AuditEvent.action.startswith(criteria.action))
    if criteria.actor_email:
        stmt = stmt.where(AuditEvent.actor_email == criteria.actor_email.strip().lower())
    if criteria.organization_id:
        stmt = stmt.where(AuditEvent.organization_id == criteria.organization_id)
    if criteria.since:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(criteria.since, time(),
                                                                    tzinfo=zone))
    if criteria.until:
        end = datetime.combine(criteria.until + timedelta(days=1), time(), tzinfo=zone)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt


def find_events(criteria: AuditFilter, *, zone: ZoneInfo, page: int = 1) -> list[AuditEvent]:
    """One page of matching events, newest first."""
    stmt = (
        _filtered(criteria, zone)
        .options(selectinload(AuditEvent.organization))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    return list(db.session.scalars(stmt))


def client_organizations() -> list[Organization]:
    """Every client organisation, by name: the filter's choices. Read here rather than from
    portal/accounts, which records its own changes in this log."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def known_actions() -> list[str]:
    """The actions recorded so far, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(
        AuditEvent.action)))


def _address_pattern(addresses: Iterable[str]) -> re.Pattern[str]:
    """Any of the addresses, any case, as a whole address (not inside a longer one)."""
    alternatives = "|".join(re.escape(a) for a in sorted(addresses, key=len, reverse=True))
    return re.compile(rf"(?<![\w.+-])(?:{alternatives})(?![\w-]|\.\w)", re.IGNORECASE)


def entries_naming(pseudonyms: dict[int, tuple[set[str], str]]) -> list[AuditEvent]:
    """The past entries that carry one of these people's data: made by them, or with one of
    their addresses in the text. `pseudonyms`: user id -> (their addresses, their pseudonym)."""
    if not pseudonyms:
        return []
    addresses = sorted({a for known, _ in pseudonyms.values() for a in known})
    found: dict[int, AuditEvent] = {}
    for start in range(0, max(len(addresses), 1), ADDRESSES_PER_QUERY):
        chunk = addresses[start:start + ADDRESSES_PER_QUERY]
        stmt = select(AuditEvent).where(or_(
            AuditEvent.actor_id.in_(pseudonyms),
            *(func.lower(AuditEvent.summary).contains(a, autoescape=True) for a in chunk)))
        found.update((event.id, event) for event in db.session.scalars(stmt))
    return [event for event in found.values() if _pseudonymised(event, pseudonyms) != (
        event.actor_email, event.summary, event.ip_address)]


def _pseudonymised(event: AuditEvent,
                   pseudonyms: dict[int, tuple[set[str], str]]) -> tuple[str | None, str,
                                                                          str | None]:
    actor_email, summary, ip_address = event.actor_email, event.summary, event.ip_address
    for person_id, (addresses, pseudonym) in pseudonyms.items():
        summary = _address_pattern(addresses).sub(pseudonym, summary)
        if event.actor_id == person_id:
            actor_email, ip_address = pseudonym, None
    return actor_email, summary, ip_address


def pseudonymise(pseudonyms: dict[int, tuple[set[str], str]]) -> int:
    """On a privacy request: these people's addresses in past entries become their pseudonyms,
    and the network addresses they acted from are forgotten; each entry stays (what happened,
    when, to what). Returns how many entries changed."""
    changed = entries_naming(pseudonyms)
    for event in changed:
        event.actor_email, event.summary, event.ip_address = _pseudonymised(event, pseudonyms)
    db.session.flush()
    return len(changed)
