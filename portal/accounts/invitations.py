"""Invitations: inviting many people at once, resending, revoking, and where each one stands.
Functions flush; the caller commits.

One live link per person: sending again (a resend, or the same address pasted again) issues a
new link and revokes the older ones. Only a hash of each link is kept, so the old link could
not be sent again anyway; and a forwarded or leaked older email stops working.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.accounts.pasted import MAX_ENTRIES, Entry, read_pasted
from portal.audit import services as audit
from portal.auth import email_tokens
from portal.auth import services as auth
from portal.auth.models import EmailToken, Role, TokenPurpose, User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message
from portal.webhooks import events as webhooks

SUBJECT = "Your invitation to the client portal"
RESEND_GAP = timedelta(minutes=1)  # a double-clicked form or a pasted list sent twice


class InvitationError(auth.UserError):
    """An invitation could not be sent or revoked; the message is for the person at the form."""


class Standing(enum.StrEnum):
    """Where a client contact stands with the portal."""

    NOT_INVITED = "not invited yet"
    SENT = "sent"
    OPENED = "opened"
    EXPIRED = "expired"
    REVOKED = "revoked"
    ACCEPTED = "accepted"
    DEACTIVATED = "deactivated"


def never_in(user: User) -> bool:
    """The person has never got in: no password chosen, never signed in."""
    return user.password_hash is None and user.last_sign_in_at is None


def _refusal(user: User, organization: Organization) -> str | None:
    """Why this existing user cannot be invited to this organisation, if they cannot."""
    if user.organization_id != organization.id:
        return f"{user.email} belongs to another organisation's user or to the firm's staff."
    if not user.active and not never_in(user):
        return f"{user.name}'s account is deactivated; an admin can activate it first."
    return None


def send_invitation(user: User, *, by: User) -> EmailToken:
    """Email the user a new link to choose a password (valid 7 days); older links stop
    working. A revoked invitee is active again."""
    lock(user)
    if not never_in(user):
        raise InvitationError(f"{user.name} has an account already; they can use \u201cForgot "
                              "your password?\u201d on the sign-in page.")
    if _live_link_sent_within(user, RESEND_GAP):
        raise InvitationError(f"An invitation went to {user.email} less than a minute ago; "
                              "nothing was sent again.")
    resent = email_tokens.revoke_open_links(user, TokenPurpose.INVITATION) > 0
    if not user.active:
        auth.record_active(user, True)
    token, row = email_tokens.issue(user, TokenPurpose.INVITATION, by=by)
    queue_message(
        user, MessageKind.INVITATION, dedupe_key=f"email-token:{row.id}", subject=SUBJECT,
        inviter_name=by.name, organization_name=user.organization.name,
        link=absolute_url("auth.accept_invitation", token=token), valid_for="7 days",
    )
    if not resent:
        webhooks.contact_invited(user, by)
    audit.record("user.invitation_resent" if resent else "user.invited", actor=by, target=user,
                 organization=user.organization,
                 summary=f"{user.email}, link valid until {row.expires_at:%Y-%m-%d %H:%M} UTC")
    db.session.flush()
    return row


def revoke_invitation(user: User, *, by: User) -> None:
    """Withdraw a pending invitation: its link stops working and the account is deactivated
    (so no reset or sign-in link gets them in either); inviting them again undoes it."""
    lock(user)
    if not never_in(user):
        raise InvitationError(f"{user.name} has accepted already; deactivate the account on "
                              "the users page instead.")
    email_tokens.revoke_open_links(user, TokenPurpose.INVITATION)
    auth.record_active(user, False)
    audit.record("user.invitation_revoked", actor=by, target=user,
                 organization=user.organization, summary=user.email)


# Many at once -------------------------------------------------------------------------------

class Outcome(enum.StrEnum):
    """What a pasted entry does."""

    INVITE = "will be invited"
    RESEND = "has a pending invitation: it is sent again with a new link"
    SKIP = "nothing sent"
    REFUSED = "refused"


@dataclass
class Line:
    """One pasted entry and what becomes of it, with the reason in words."""

    entry: Entry
    outcome: Outcome
    reason: str = ""
    user: User | None = field(default=None, repr=False)


@dataclass
class Plan:
    """The paste read against the database: each entry's outcome; sent only when none is
    refused."""

    lines: list[Line]
    problem: str | None = None  # about the whole paste

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if line.outcome == Outcome.REFUSED]

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.refused

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


def _existing(emails: list[str]) -> dict[str, User]:
    """The users with these addresses, in one statement."""
    if not emails:
        return {}
    return {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}


def _judge(entry: Entry, user: User | None, organization: Organization,
           seen: dict[str, Entry], now: datetime) -> Line:
    """One entry's outcome."""
    if entry.problem:
        return Line(entry, Outcome.REFUSED, entry.problem)
    if entry.email in seen:
        return Line(entry, Outcome.SKIP, f"the same address as {seen[entry.email].where}.")
    seen[entry.email] = entry
    if user is None:
        return Line(entry, Outcome.INVITE)
    refusal = _refusal(user, organization)
    if refusal:
        return Line(entry, Outcome.REFUSED, refusal, user)
    if not never_in(user):
        return Line(entry, Outcome.SKIP, f"{user.name} has an account already.", user)
    last = _last_sent(user)
    if last is not None and now - last < RESEND_GAP:
        return Line(entry, Outcome.SKIP, "an invitation went to this address less than a "
                    "minute ago.", user)
    return Line(entry, Outcome.RESEND if last else Outcome.INVITE, "", user)


def _live_link_sent_within(user: User, gap: timedelta) -> bool:
    """A working invitation link went to the user this recently (a double click)."""
    return db.session.scalar(select(EmailToken.id).where(
        EmailToken.user_id == user.id, EmailToken.purpose == TokenPurpose.INVITATION,
        EmailToken.revoked_at.is_(None), EmailToken.used_at.is_(None),
        EmailToken.created_at > utcnow() - gap).limit(1)) is not None


def _last_sent(user: User) -> datetime | None:
    return db.session.scalar(select(EmailToken.created_at).where(
        EmailToken.user_id == user.id, EmailToken.purpose == TokenPurpose.INVITATION)
        .order_by(EmailToken.created_at.desc()).limit(1))


def plan_invitations(organization: Organization, pasted: str) -> Plan:
    """What inviting the pasted people to this organisation would do, entry by entry."""
    entries = read_pasted(pasted)
    if not entries:
        return Plan([], "Paste at least one email address.")
    if len(entries) > MAX_ENTRIES:
        return Plan([], f"That is {len(entries)} addresses; at most {MAX_ENTRIES} at once, "
                        "please: split the list.")
    users = _existing([e.email for e in entries if e.email])
    seen: dict[str, Entry] = {}
    now = utcnow()
    return Plan([_judge(e, users.get(e.email), organization, seen, now) for e in entries])


def invite_many(organization: Organization, pasted: str, *, by: User) -> Plan:
    """Invite everyone pasted, or nobody when any entry is refused (the plan says why)."""
    plan = plan_invitations(organization, pasted)
    if not plan.ok:
        return plan
    for line in plan.lines:
        if line.outcome == Outcome.SKIP:
            continue
        user = line.user or auth.create_user(
            email=line.entry.email, name=line.entry.name, role=Role.CLIENT,
            organization=organization, by=by)
        send_invitation(user, by=by)
    return plan


def invite_not_yet_invited(organization: Organization, *, by: User) -> int:
    """Invite every active contact of the organisation who never had an invitation (imported
    contacts); how many were invited."""
    people = [row for row in invitation_list(organization)
              if row.standing == Standing.NOT_INVITED]
    for row in people:
        send_invitation(row.user, by=by)
    return len(people)


# Where each stands ------------------------------------------------------------------------

@dataclass(frozen=True)
class InvitationRow:
    """A client contact and their invitation, for the account's invitations page."""

    user: User
    standing: Standing
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    opened: datetime | None = None
    expires: datetime | None = None
    accepted: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.standing in (Standing.SENT, Standing.OPENED, Standing.EXPIRED)


def _standing(user: User, latest: EmailToken | None, now: datetime) -> Standing:
    if not never_in(user):
        return Standing.ACCEPTED if user.active else Standing.DEACTIVATED
    if latest is None:
        return Standing.NOT_INVITED if user.active else Standing.DEACTIVATED
    if latest.revoked_at is not None or not user.active:
        return Standing.REVOKED
    if latest.expires_at <= now:
        return Standing.EXPIRED
    return Standing.OPENED if latest.opened_at else Standing.SENT


def invitation_list(organization: Organization) -> list[InvitationRow]:
    """Every client contact of the organisation with where their invitation stands, by name;
    two statements whatever their number."""
    people = list(db.session.scalars(select(User).where(
        User.organization_id == organization.id, User.role == Role.CLIENT).order_by(User.name)))
    tokens: dict[int, list[EmailToken]] = {}
    for row in db.session.scalars(select(EmailToken).join(User, EmailToken.user_id == User.id)
                                  .where(User.organization_id == organization.id,
                                         EmailToken.purpose == TokenPurpose.INVITATION)
                                  .order_by(EmailToken.created_at, EmailToken.id)):
        tokens.setdefault(row.user_id, []).append(row)
    now = utcnow()
    rows = []
    for user in people:
        sent = tokens.get(user.id, [])
        latest = sent[-1] if sent else None
        rows.append(InvitationRow(
            user, _standing(user, latest, now),
            first_sent=sent[0].created_at if sent else None,
            last_sent=latest.created_at if latest else None,
            opened=max((t.opened_at for t in sent if t.opened_at), default=None),
            expires=latest.expires_at if latest else None,
            accepted=next((t.used_at for t in sent if t.used_at), None)
            or (user.password_changed_at if not never_in(user) else None),
        ))
    return rows
