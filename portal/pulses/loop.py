"""Closing the loop where the client sees it: what a client told us and who is on it, what was
done (in words for the client, apart from the internal note), their one-click "Did this fix
it?" (a "not yet" reopens it and tells the owner) and the flag to the owner's manager when a
follow-up outlives its 2 working days.

Functions flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from portal.access import visible_follow_ups
from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import follow_ups as notifications
from portal.pulses.models import FixAnswer, FollowUp, PulseAnswer, PulseRequest
from portal.pulses.services import BadToken, LinkRetired, PulseError, add_working_days

FIX_SALT = "follow-up-fix"
MAX_SUMMARY = 2000
QUOTE_CHARS = 200  # what the client's pages quote of their own comment
SHOWN_DAYS = 30  # a resolved follow-up stays on the client's pages this long


def told_us(follow_up: FollowUp) -> str:
    """What the client told us, in their words where they gave some: their comment, else the
    score, else that they asked to be contacted."""
    request = follow_up.request
    comment = next((a.comment for a in request.answers if a.comment), None)
    if comment:
        return comment if len(comment) <= QUOTE_CHARS else comment[:QUOTE_CHARS - 1] + "…"
    low = [a for a in request.answers if a.scale.is_low(a.score)]
    if low:
        answer = low[0]
        return f"{answer.score} out of {answer.scale.bounds[1]} for “{answer.question.prompt}”"
    return "you would like someone to get in touch"


@dataclass(frozen=True)
class ClientFollowUp:
    """A follow-up as the client who answered sees it: never its reason or internal note."""

    id: int
    told_on: datetime  # when they answered
    told: str
    owner_name: str | None
    due_at: datetime
    round: int
    resolved_at: datetime | None
    summary: str | None
    fix_answer: FixAnswer | None
    fix_token: str | None  # while "Did this fix it?" waits for their answer
    zone: str  # the client's timezone: every day shown is theirs

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def told_stop(self) -> str:
        """The full stop after their words, unless these already end a sentence."""
        return "" if self.told.rstrip().endswith((".", "!", "?", "…")) else "."


def client_view(follow_up: FollowUp) -> ClientFollowUp:
    """What the client who answered may see of the follow-up."""
    request = follow_up.request
    owner = follow_up.owner or request.organization.account_owner
    waiting = follow_up.resolved_at is not None and follow_up.fix_answer is None
    return ClientFollowUp(
        id=follow_up.id, told_on=request.answered_at or follow_up.opened_at,
        told=told_us(follow_up), owner_name=owner.name if owner else None,
        due_at=follow_up.due_at, round=follow_up.round, resolved_at=follow_up.resolved_at,
        summary=follow_up.client_summary if follow_up.resolved_at else None,
        fix_answer=follow_up.fix_answer, fix_token=fix_token(follow_up) if waiting else None,
        zone=request.user.effective_timezone,
    )


def _shown(since):
    """Open, or resolved since then with words for the client."""
    return FollowUp.resolved_at.is_(None) | (
        (FollowUp.resolved_at >= since) & FollowUp.client_summary.is_not(None))


def shown_count_columns() -> list:
    """How many follow-ups the signed-in client would see (the `user_id` and `loop_since`
    parameters), as a column read with the user: most clients have none, and their pages then
    ask nothing more."""
    return [select(func.count(FollowUp.id))
            .join(PulseRequest, PulseRequest.id == FollowUp.request_id)
            .where(PulseRequest.user_id == bindparam("user_id"),
                   _shown(bindparam("loop_since"))).scalar_subquery()]


def shown_count_params(now: datetime | None = None) -> dict[str, datetime]:
    """The oldest resolution a client's pages still show."""
    return {"loop_since": (now or utcnow()) - timedelta(days=SHOWN_DAYS)}


def client_follow_ups(user: User, *, project_id: int | None = None,
                      now: datetime | None = None) -> list[ClientFollowUp]:
    """The follow-ups of the client's own answers: open ones, and those resolved in the last
    30 days with words for the client; on one project's page, that project's only."""
    stmt = visible_follow_ups(user).where(_shown(shown_count_params(now)["loop_since"]))
    if project_id is not None:
        stmt = stmt.where(PulseRequest.project_id == project_id)
    found = db.session.scalars(stmt.options(
        joinedload(FollowUp.request).joinedload(PulseRequest.organization)
        .joinedload(Organization.account_owner),
        joinedload(FollowUp.request).joinedload(PulseRequest.user),
        joinedload(FollowUp.owner),
        joinedload(FollowUp.request).selectinload(PulseRequest.answers)
        .joinedload(PulseAnswer.question),
    ).order_by(FollowUp.opened_at.desc())).unique()
    return [client_view(f) for f in found]


def resolve_follow_up(follow_up: FollowUp, *, by: User, summary: str, note: str = "",
                      now: datetime | None = None) -> bool:
    """Close the loop: what was done, in words for the client (emailed to them with "Did this
    fix it?"), and an internal note. When someone resolved it meanwhile, their words stay and
    these are added to the internal note: False then."""
    summary, note = (summary or "").strip(), (note or "").strip()
    if not summary:
        raise PulseError("Say what you did, in words for the client.")
    if len(summary) > MAX_SUMMARY or len(note) > MAX_SUMMARY:
        raise PulseError(f"Each note can be at most {MAX_SUMMARY} characters.")
    lock(follow_up)
    now = now or utcnow()
    first = follow_up.resolved_at is None
    if first:
        earlier = follow_up.resolution
        follow_up.resolution = (f"{earlier}\n\n{by.name}: {note}" if earlier and note
                                else earlier or note)
        follow_up.client_summary, follow_up.resolved_by, follow_up.resolved_at = summary, by, now
        follow_up.fix_answer = follow_up.fix_answered_at = None
        db.session.flush()
        notifications.queue_follow_up_resolved(follow_up, token=fix_token(follow_up))
    else:
        added = f"{by.name}: {note} (for the client: {summary})" if note else (
            f"{by.name}, for the client: {summary}")
        follow_up.resolution = f"{follow_up.resolution}\n\n{added}".strip()
    said = f"{note} (for the client: {summary})" if note else f"For the client: {summary}"
    audit.record("follow_up.resolved" if first else "follow_up.note_added", actor=by,
                 target=follow_up, organization=follow_up.request.organization,
                 summary=said[:200])
    db.session.flush()
    return first


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=FIX_SALT)


def fix_token(follow_up: FollowUp) -> str:
    """The signed token of the "Did this fix it?" links: the follow-up, its client, its round."""
    return _serializer().dumps({"f": follow_up.id, "u": follow_up.request.user_id,
                                "r": follow_up.round})


class EarlierRound(BadToken):
    """The link asks about what was done before the follow-up was reopened."""

    def __init__(self) -> None:
        PulseError.__init__(self, "This link asks about an earlier answer of ours: you told us "
                                  "it had not fixed it, and we are on it again. We will email "
                                  "you a new link when we have done more.")


def follow_up_from_fix_token(token: str) -> FollowUp:
    """The follow-up a "Did this fix it?" token names, if the token is ours, unchanged, not
    older than the pulse answer window, and of the follow-up's current round."""
    max_age = int(current_app.config["PULSE_ANSWER_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadToken(expired=True) from error
    except BadSignature as error:
        raise BadToken() from error
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "fur"):
        raise BadToken()
    follow_up = db.session.get(FollowUp, data["f"])
    if follow_up is None or follow_up.request.user_id != data["u"]:
        raise BadToken()
    if not follow_up.request.user.active:
        raise LinkRetired()
    if follow_up.round != data["r"]:
        raise EarlierRound()
    return follow_up


def answer_fix(follow_up: FollowUp, *, fixed: bool, now: datetime | None = None) -> bool:
    """Keep the client's "Did this fix it?"; "not yet" reopens the follow-up, due again in 2
    working days, and tells its owner. False when this round was answered already (nothing
    changes: the first answer stands)."""
    lock(follow_up)
    if follow_up.fix_answer is not None or follow_up.resolved_at is None:
        return False
    now = now or utcnow()
    request = follow_up.request
    follow_up.fix_answer = FixAnswer.FIXED if fixed else FixAnswer.NOT_YET
    follow_up.fix_answered_at = now
    audit.record("follow_up.fixed" if fixed else "follow_up.not_fixed", actor=request.user,
                 target=follow_up, organization=request.organization,
                 summary=f"Round {follow_up.round}: {'fixed' if fixed else 'not yet'}")
    if not fixed:
        follow_up.resolved_at = follow_up.resolved_by = None
        follow_up.reopened_at, follow_up.overdue_flagged_at = now, None
        follow_up.due_at = add_working_days(now, 2, request.user.effective_timezone)
        follow_up.round += 1
        follow_up.owner = follow_up.owner or request.organization.account_owner
        db.session.flush()
        notifications.queue_follow_up_reopened(follow_up)
    db.session.flush()
    return True


def managers_of(follow_up: FollowUp) -> list[User]:
    """Who hears that a follow-up is overdue: the account's owner when someone else owns the
    follow-up; else (the portal knows no other line of management) the active admins."""
    owner = follow_up.owner
    account_owner = follow_up.request.organization.account_owner
    if account_owner is not None and account_owner.active and account_owner.is_staff and (
            owner is None or owner.id != account_owner.id):
        return [account_owner]
    return list(db.session.scalars(select(User).where(
        User.role == Role.ADMIN, User.active.is_(True),
        User.id != (owner.id if owner else -1)).order_by(User.id)))


def flag_overdue(now: datetime | None = None) -> list[FollowUp]:
    """Tell the owner's manager, once a round, of each open follow-up past its due time (not
    those whose answer is no longer low, nor an archived account's); running it again, or two
    at once, tells nobody twice."""
    now = now or utcnow()
    archived = select(Organization.id).where(Organization.archived_at.is_not(None))
    due = db.session.scalars(
        select(FollowUp).join(PulseRequest).where(
            FollowUp.resolved_at.is_(None), FollowUp.no_longer_low_at.is_(None),
            FollowUp.overdue_flagged_at.is_(None), FollowUp.due_at < now,
            PulseRequest.organization_id.not_in(archived))
        .order_by(FollowUp.due_at).with_for_update(skip_locked=True, of=FollowUp)).all()
    for follow_up in due:
        follow_up.overdue_flagged_at = now
        for manager in managers_of(follow_up):
            notifications.queue_follow_up_overdue(follow_up, manager, now=now)
    db.session.flush()
    return list(due)

