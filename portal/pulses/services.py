"""Rules for pulses: when one goes out, when it is held, how answers are kept, what is followed up.

Functions flush; the caller commits.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import check_version, edit_version, lock
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.notifications import asks
from portal.notifications import services as notifications
from portal.notifications.models import Ask, AskKind, AskState
from portal.projects.models import Milestone, Project, StatusUpdate
from portal.pulses import history, values
from portal.pulses.defaults import ensure_default_templates
from portal.pulses.models import (
    FollowUp,
    PulseAnswer,
    PulseQuestion,
    PulseRequest,
    PulseTemplate,
    RequestState,
    Scale,
    Trigger,
)
from portal.webhooks import events as webhooks

TOKEN_SALT = "pulse-answer"  # noqa: S105 (a salt that separates token purposes, not a secret)
MAX_COMMENT = 2000


class PulseError(ValueError):
    """An answer or token was refused; the message is for the person at the form."""


class BadToken(PulseError):
    """The link is not one we made, was changed, or has expired."""

    def __init__(self, expired: bool = False) -> None:
        days = current_app.config["PULSE_ANSWER_DAYS"]
        super().__init__(
            f"This link has expired: a pulse can be answered for {days} days after it is sent."
            if expired else "This link is not valid. Please use the link from your email."
        )


class LinkRetired(BadToken):
    """The pulse was sent to an account that has since been closed."""

    def __init__(self) -> None:
        PulseError.__init__(self, "This link no longer works: the account it was sent to "
                                  "has been closed.")


def _days(setting: str) -> timedelta:
    return timedelta(days=int(current_app.config[setting]))


def template_for(trigger: Trigger) -> PulseTemplate:
    """The template used for this kind of trigger; the defaults are created on first use."""
    stmt = select(PulseTemplate).where(PulseTemplate.trigger == trigger)
    template = db.session.scalars(stmt).first()
    if template is None:
        ensure_default_templates()
        template = db.session.scalars(stmt).one()
    return template


def _last_sent(user: User, now: datetime) -> datetime | None:
    return db.session.scalar(select(func.max(PulseRequest.sent_at)).where(
        PulseRequest.user_id == user.id, PulseRequest.trigger != Trigger.CLOSEOUT,
        PulseRequest.sent_at <= now,
    ))


PRIORITY = {Trigger.CLOSEOUT: asks.Priority.CLOSEOUT, Trigger.CHECK_IN: asks.Priority.CHECK_IN,
            Trigger.MILESTONE: asks.Priority.MILESTONE, Trigger.UPDATE: asks.Priority.UPDATE,
            Trigger.PERIODIC: asks.Priority.PERIODIC, Trigger.CARE: asks.Priority.PERIODIC}


def _fatigue_reason(user: User, last: datetime) -> str:
    return (f"{user.name} had a pulse on {last:%-d %b %Y}; at most one every "
            f"{current_app.config['PULSE_MIN_DAYS_BETWEEN']} days, so this one waits until "
            f"{last + _days('PULSE_MIN_DAYS_BETWEEN'):%-d %b %Y}.")


def request_pulse(
    user: User, *, trigger: Trigger, project: Project | None = None,
    update: StatusUpdate | None = None, milestone: Milestone | None = None,
    now: datetime | None = None, email: bool = True, about: str | None = None,
) -> PulseRequest:
    """Ask one client user; held (not lost) when they had a pulse in the last 14 days, or
    while their ask budget (one ask per 24 hours, in priority order) makes it wait. A closeout
    pulse is never held (the closeout's email, which goes anyway, carries it) but is counted.

    `email=False` when the caller's own email carries the pulse (the closeout's); `about`
    names the person a check-in asks about.
    """
    now = now or utcnow()
    last = _last_sent(user, now)
    held = trigger != Trigger.CLOSEOUT and last is not None and now - last < _days(
        "PULSE_MIN_DAYS_BETWEEN")
    value = values.value_for_periodic(user) if trigger == Trigger.PERIODIC else None
    request = PulseRequest(
        value_id=value.id if value else None, value_title=value.title if value else None,
        organization_id=user.organization_id, user=user, template=template_for(trigger),
        trigger=trigger, project=project, update=update, milestone=milestone, created_at=now,
        about=about,
        state=RequestState.HELD, hold_reason=_fatigue_reason(user, last) if held else None,
    )
    db.session.add(request)
    db.session.flush()
    if held:
        _keep_newest_held(user)
    else:
        _ask(request, now, email=email)
    return request


def _ask(request: PulseRequest, now: datetime, *, email: bool = True) -> bool:
    """Through the person's ask budget: sent now (True), or waiting its turn as an ask."""
    ask = asks.request_ask(request.user, AskKind.PULSE, PRIORITY[request.trigger],
                           key=f"pulse:{request.id}", now=now,
                           always=request.trigger == Trigger.CLOSEOUT)
    if ask.state != AskState.SENT or request.state != RequestState.HELD:
        request.hold_reason = ask.hold_reason if request.state == RequestState.HELD else None
        db.session.flush()
        return False
    _send(request, now, email=email)
    return True


def _send(request: PulseRequest, now: datetime, *, email: bool = True) -> None:
    request.state, request.sent_at, request.hold_reason = RequestState.SENT, now, None
    db.session.flush()
    if email:
        notifications.queue_pulse_request(request, token=answer_token(request))


def _send_waiting(ask: Ask, now: datetime) -> bool:
    """A pulse that waited for its person's ask budget goes out now, unless it is gone, or
    the fatigue rule holds it meanwhile (then it waits under that rule, see release_held)."""
    request = db.session.get(PulseRequest, int(ask.subject_key.removeprefix("pulse:")))
    if request is None or request.state != RequestState.HELD:
        return False
    last = _last_sent(request.user, now)
    if request.trigger != Trigger.CLOSEOUT and last is not None and now - last < _days(
            "PULSE_MIN_DAYS_BETWEEN"):
        request.hold_reason = _fatigue_reason(request.user, last)
        _keep_newest_held(request.user)
        return False
    _send(request, now)
    return True


asks.register_sender(AskKind.PULSE, _send_waiting)


def budget_waiting_ids() -> set[int]:
    """The held pulses that wait for their person's ask budget, not for the fatigue rule."""
    keys = db.session.scalars(select(Ask.subject_key).where(
        Ask.kind == AskKind.PULSE, Ask.state == AskState.WAITING))
    return {int(key.removeprefix("pulse:")) for key in keys}


def _keep_newest_held(user: User) -> None:
    """One held pulse a person at most: the newest is kept and older held ones, never sent,
    are dropped, so held pulses never queue up behind each other for months."""
    held = db.session.scalars(select(PulseRequest).where(
        PulseRequest.user_id == user.id, PulseRequest.state == RequestState.HELD,
    ).order_by(PulseRequest.created_at.desc(), PulseRequest.id.desc())).all()
    for older in held[1:]:
        db.session.delete(older)
    db.session.flush()


def held_until(request: PulseRequest, now: datetime | None = None) -> datetime:
    """When a held pulse goes out: once its user's last pulse is the rule's days old."""
    now = now or utcnow()
    last = _last_sent(request.user, now)
    return max(last + _days("PULSE_MIN_DAYS_BETWEEN"), now) if last else now


def feedback_asked(update: StatusUpdate, now: datetime | None = None) -> str:
    """What became of "ask the client for feedback" on this update, for the staff who asked:
    who is asked now, and whom the fatigue rule holds, until when."""
    requests = db.session.scalars(
        select(PulseRequest).where(PulseRequest.update_id == update.id)
        .options(selectinload(PulseRequest.user)).order_by(PulseRequest.id)).all()
    if not requests:
        return "No feedback was asked: the account has no active client users."
    sent = [r.user.name for r in requests if r.state != RequestState.HELD]
    held_on: dict[str, list[str]] = {}
    for r in requests:
        if r.state == RequestState.HELD:
            held_on.setdefault(f"{held_until(r, now):%-d %b %Y}", []).append(r.user.name)
    parts = [f"{_names(sent)} {'is' if len(sent) == 1 else 'are'} asked now"] if sent else []
    if held_on:
        days = current_app.config["PULSE_MIN_DAYS_BETWEEN"]
        later = "; ".join(f"{_names(names)} on {day}" for day, names in held_on.items())
        parts.append(f"held by the {days}-day rule (at most one pulse a person every {days} "
                     f"days), so it goes to {later}")
    return "Feedback: " + "; ".join(parts) + "."


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _client_users(organization_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.organization_id == organization_id, User.role == Role.CLIENT,
        User.active.is_(True),
    ).order_by(User.id)))


def pulses_for_update(update: StatusUpdate, *, now: datetime | None = None) -> list:
    """Staff ticked "ask the client for feedback": one pulse per client user."""
    project = update.project
    return [request_pulse(u, trigger=Trigger.UPDATE, project=project, update=update, now=now)
            for u in _client_users(project.organization_id)]


def pulses_for_milestone(milestone: Milestone, *, now: datetime | None = None) -> list:
    """A milestone was completed: ask how it went."""
    project = milestone.project
    return [request_pulse(u, trigger=Trigger.MILESTONE, project=project, milestone=milestone,
                          now=now) for u in _client_users(project.organization_id)]


def pulses_for_closeout(project: Project, *, now: datetime | None = None) -> list:
    """A project was closed out: always ask, whatever the fatigue rule says; the closeout's
    email carries the pulse, so the client gets one email, not two within seconds."""
    return [request_pulse(u, trigger=Trigger.CLOSEOUT, project=project, now=now, email=False)
            for u in _client_users(project.organization_id)]


def periodic_pulses(now: datetime | None = None) -> list[PulseRequest]:
    """Every N days per account, a pulse to each client user who has not had a periodic one
    (none to an archived account: the firm no longer serves it)."""
    now = now or utcnow()
    since = now - _days("PULSE_PERIODIC_DAYS")
    recent = select(PulseRequest.user_id).where(
        PulseRequest.trigger == Trigger.PERIODIC, PulseRequest.created_at >= since)
    archived = select(Organization.id).where(Organization.archived_at.is_not(None))
    users = db.session.scalars(select(User).where(
        User.role == Role.CLIENT, User.active.is_(True), User.id.not_in(recent),
        User.organization_id.not_in(archived)))
    return [request_pulse(u, trigger=Trigger.PERIODIC, now=now) for u in users]


def release_held(now: datetime | None = None) -> list[PulseRequest]:
    """Send held pulses whose fatigue wait is over (made by `now`), oldest first, one per user,
    through the person's ask budget; those waiting for the budget are left to it."""
    now = now or utcnow()
    released, seen = [], set()
    budget = budget_waiting_ids()
    held = db.session.scalars(select(PulseRequest).where(
        PulseRequest.state == RequestState.HELD, PulseRequest.created_at <= now,
    ).order_by(PulseRequest.created_at)).all()
    for request in held:
        if request not in db.session:
            continue  # replaced meanwhile by a newer held pulse of the same person
        last = _last_sent(request.user, now)
        if request.id in budget or request.user_id in seen or (
                last and now - last < _days("PULSE_MIN_DAYS_BETWEEN")):
            continue
        seen.add(request.user_id)
        if _ask(request, now):
            released.append(request)
    return released


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def answer_token(request: PulseRequest) -> str:
    """The signed token in the email's links, bound to the request and its user."""
    return token_for(request.id, request.user_id)


def token_for(request_id: int, user_id: int) -> str:
    """The answer token of the request with this id, sent to this user."""
    return _serializer().dumps({"r": request_id, "u": user_id})


def request_from_token(token: str, now: datetime | None = None) -> PulseRequest:
    """The request a token names, if the token is ours and unchanged, and the pulse it names
    can still be answered (see check_answerable)."""
    max_age = int(_days("PULSE_ANSWER_DAYS").total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadToken(expired=True) from error
    except BadSignature as error:
        raise BadToken() from error
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise BadToken()
    request = db.session.get(PulseRequest, data["r"])
    if request is None or request.user_id != data.get("u") or request.state == RequestState.HELD:
        raise BadToken()
    check_answerable(request, now or utcnow())
    return request


def check_answerable(request: PulseRequest, now: datetime) -> None:
    """A pulse is answered by an active user within PULSE_ANSWER_DAYS of being sent.

    The window runs from the request's own sending, not from the token's signing: the banner
    signs a fresh token on every page, so a token's age says nothing about the pulse's.
    """
    if not request.user.active:
        raise LinkRetired()
    if request.sent_at is None or now - request.sent_at > _days("PULSE_ANSWER_DAYS"):
        raise BadToken(expired=True)


def _check_answer(question: PulseQuestion, score: int | None, comment: str | None) -> None:
    low, high = question.scale.bounds
    if score is None or not low <= score <= high:
        raise PulseError(f"Choose a score from {low} to {high} for: {question.prompt}")
    if comment and len(comment) > MAX_COMMENT:
        raise PulseError(f"Comments can be at most {MAX_COMMENT} characters.")


def record_answers(
    request: PulseRequest, *, scores: dict[int, int | None], comments: dict[int, str],
    contact_me: bool = False, now: datetime | None = None, by: User | None = None,
    value_score: int | None = None, value_comment: str | None = None,
) -> list[PulseAnswer]:
    """Keep the answers; answering again changes them, keeping the time each was first given
    and every change as a revision (by the request's user unless `by`); follow up if unhappy.

    Every question is checked before anything is written, so a bad answer changes nothing.
    The request is locked first: two changes at once each leave their revision.
    """
    now = now or utcnow()
    questions = request.template.questions
    for question in questions:
        _check_answer(question, scores.get(question.id), comments.get(question.id))
    if request.value_title is not None:
        if value_score is None or not 1 <= value_score <= 5:
            raise PulseError(f"Choose a score from 1 to 5 for: "
                             f"{values.question_for(request.value_title)}")
        if value_comment and len(value_comment) > MAX_COMMENT:
            raise PulseError(f"Comments can be at most {MAX_COMMENT} characters.")
    lock(request)
    existing = {a.question_id: a for a in db.session.scalars(
        select(PulseAnswer).where(PulseAnswer.request_id == request.id)
        .execution_options(populate_existing=True))}
    was_low = _low(existing.values())  # before this change, by question
    was_asked = bool(request.contact_requested)
    answers = []
    for question in questions:
        score = scores[question.id]
        comment = (comments.get(question.id) or "").strip() or None
        answer = existing.get(question.id)
        if answer is None:
            answer = PulseAnswer(request=request, question=question, scale=question.scale,
                                 score=score, comment=comment, answered_at=now)
            db.session.add(answer)
        else:
            history.revise(answer, score=score, comment=comment, by=by or request.user, now=now)
        answers.append(answer)
    if request.answered_at is None:
        request.state, request.answered_at = RequestState.ANSWERED, now
    request.contact_requested = contact_me
    db.session.flush()
    if request.value_title is not None:
        values.record_value_answer(request, score=value_score, comment=value_comment, now=now)
    _follow_up(request, answers, contact_me=contact_me, was_low=was_low, was_asked=was_asked,
               now=now)
    webhooks.pulse_answered(request, answers)
    return answers


def _low(answers) -> dict[int, str]:
    """The low answers, by question: "NPS 3"."""
    return {a.question_id: a.label for a in answers if a.scale.is_low(a.score)}


def _follow_up(request: PulseRequest, answers: list[PulseAnswer], *, contact_me: bool,
               was_low: dict[int, str], was_asked: bool, now: datetime) -> None:
    """Open or update the request's follow-up; when a change lifted every low score (or
    withdrew the request to be contacted), say so on the open follow-up rather than delete
    it: staff may already be acting on it."""
    low = _low(answers)
    follow_up = db.session.scalars(
        select(FollowUp).where(FollowUp.request_id == request.id)).first()
    if follow_up is not None and follow_up.resolved_at is not None:
        return  # closed with what was known then; a resolved follow-up is history
    if low:
        changed = f" (changed on {now:%-d %b}; was {', '.join(was_low.values())})" if (
            was_low and was_low != low) else ""
        asked = "; asked to be contacted" if contact_me else ""
        reason = f"Low score: {', '.join(low.values())}{asked}{changed}"
        open_follow_up(request, reason=reason[:300], now=now)
    elif contact_me:
        open_follow_up(request, reason="The client asked to be contacted", now=now)
    elif follow_up is not None and was_low and follow_up.no_longer_low_at is None:
        lifted = ", ".join(a.label for a in answers if a.question_id in was_low)
        follow_up.no_longer_low_at = now
        follow_up.reason = (f"No longer low: changed to {lifted} on {now:%-d %b} "
                            f"(was {', '.join(was_low.values())})")[:300]
        db.session.flush()
    elif follow_up is not None and was_asked and follow_up.no_longer_low_at is None:
        follow_up.no_longer_low_at = now
        follow_up.reason = (f"No longer asks to be contacted: unticked on {now:%-d %b}, "
                            f"answers not low ({', '.join(a.label for a in answers)})")[:300]
        db.session.flush()


def add_working_days(moment: datetime, days: int, zone: str = "UTC") -> datetime:
    """`days` working days later where the person is (`zone`), skipping their Saturdays and
    Sundays, at the same time of their day (so a daylight-saving change moves no promise)."""
    tz = zone_or_utc(zone)
    local = moment.astimezone(tz)
    day = local.date()
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)


def open_follow_up(request: PulseRequest, *, reason: str, now: datetime) -> FollowUp:
    """A follow-up for the account owner, due in 2 working days where the client is; one per
    request."""
    follow_up = db.session.scalars(
        select(FollowUp).where(FollowUp.request_id == request.id)).first()
    if follow_up is None:
        follow_up = FollowUp(request=request, opened_at=now,
                             due_at=add_working_days(now, 2, request.user.effective_timezone),
                             owner=request.organization.account_owner)
        db.session.add(follow_up)
        follow_up.reason = reason
        db.session.flush()
        notifications.queue_follow_up_opened(follow_up)
        webhooks.follow_up_opened(follow_up)
    follow_up.reason, follow_up.no_longer_low_at = reason, None
    db.session.flush()
    return follow_up


def resolve_follow_up(follow_up: FollowUp, *, by: User, note: str) -> bool:
    """Close the loop: what was done, by whom. When someone resolved it meanwhile, their note
    stays first and this one is added after it: False then."""
    if not note.strip():
        raise PulseError("Say what you did to follow up.")
    lock(follow_up)
    first = follow_up.resolved_at is None
    if first:
        follow_up.resolution, follow_up.resolved_by = note.strip(), by
        follow_up.resolved_at = utcnow()
    else:
        follow_up.resolution = f"{follow_up.resolution}\n\n{by.name}: {note.strip()}"
    audit.record("follow_up.resolved" if first else "follow_up.note_added", actor=by,
                 target=follow_up, organization=follow_up.request.organization,
                 summary=note.strip()[:200])
    db.session.flush()
    if first:
        webhooks.follow_up_resolved(follow_up)
    return first


def close_no_longer_low(follow_up: FollowUp, *, by: User) -> bool:
    """Close, in one click, a follow-up whose answer was changed and is no longer low; the
    note says so. False when someone resolved it meanwhile; refused if it is low again."""
    lock(follow_up)
    if follow_up.resolved_at is not None:
        return False
    if follow_up.no_longer_low_at is None:
        raise PulseError(f"The answer is low again ({follow_up.reason}): say what you did "
                         "to follow up instead.")
    note = f"Closed: the answer is no longer low. {follow_up.reason}"
    follow_up.resolution, follow_up.resolved_by, follow_up.resolved_at = note, by, utcnow()
    audit.record("follow_up.closed_no_longer_low", actor=by, target=follow_up,
                 organization=follow_up.request.organization, summary=follow_up.reason)
    db.session.flush()
    webhooks.follow_up_resolved(follow_up)
    return True


def open_follow_ups() -> list[FollowUp]:
    """Unresolved follow-ups by due date, the most overdue first; those no longer low after
    them."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.resolved_at.is_(None))
        .options(selectinload(FollowUp.request).selectinload(PulseRequest.organization),
                 selectinload(FollowUp.request).selectinload(PulseRequest.user),
                 selectinload(FollowUp.request).selectinload(PulseRequest.answers),
                 selectinload(FollowUp.owner))
        .order_by(FollowUp.no_longer_low_at.is_not(None), FollowUp.due_at)
    ))


def held_requests() -> list[PulseRequest]:
    """Pulses waiting because of the fatigue rule, with the reason, oldest first."""
    return list(db.session.scalars(
        select(PulseRequest).where(PulseRequest.state == RequestState.HELD)
        .options(selectinload(PulseRequest.user), selectinload(PulseRequest.organization))
        .order_by(PulseRequest.created_at)
    ))


# Asked on every page a client opens (the banner): built once, not per request.
_PENDING_PULSE = select(PulseRequest).where(
    PulseRequest.user_id == bindparam("user_id"), PulseRequest.state == RequestState.SENT,
    PulseRequest.sent_at >= bindparam("pulse_since"),
).order_by(PulseRequest.sent_at.desc()).limit(1)


def pending_for(user: User, now: datetime | None = None) -> PulseRequest | None:
    """The client's newest pulse still waiting for an answer, for the in-portal banner."""
    return db.session.scalars(_PENDING_PULSE, {"user_id": user.id, **banner_params(now)}).first()


def banner_params(now: datetime | None = None) -> dict[str, datetime]:
    """The oldest pulse the banner shows was sent then: older ones can no longer be answered."""
    return {"pulse_since": (now or utcnow()) - _days("PULSE_ANSWER_DAYS")}


def banner_columns() -> list:
    """The id of the signed-in client's pending pulse (see pending_for), as a column read with
    the user."""
    return [_PENDING_PULSE.with_only_columns(PulseRequest.id).scalar_subquery()]


def scores_by_update(project: Project) -> dict[int, list[PulseAnswer]]:
    """Answers to pulses prompted by each update of the project, for staff to see beside it."""
    rows = db.session.scalars(
        select(PulseAnswer).join(PulseRequest)
        .where(PulseRequest.project_id == project.id, PulseRequest.update_id.is_not(None))
        .options(selectinload(PulseAnswer.request))
    )
    by_update: dict[int, list[PulseAnswer]] = {}
    for answer in rows:
        by_update.setdefault(answer.request.update_id, []).append(answer)
    return by_update


def all_templates() -> list[PulseTemplate]:
    """Every template, with the defaults created if missing, in trigger order."""
    ensure_default_templates()
    order = list(Trigger)
    templates = db.session.scalars(
        select(PulseTemplate).options(selectinload(PulseTemplate.questions)))
    return sorted(templates, key=lambda t: order.index(t.trigger))


def template_version(template: PulseTemplate) -> str:
    """The version of what the template form shows: its name and questions."""
    return edit_version(template.name, [(q.scale, q.prompt, q.invites_comment)
                                        for q in template.questions])


def update_template(template: PulseTemplate, *, name: str,
                    questions: list[tuple[str, str, bool]], by: User,
                    seen: str | None = None) -> None:
    """Reword a template: one to three questions; a question with answers can be reworded,
    not removed, so past answers keep their question.

    `seen` is the template_version() the form was opened on; refused if it changed since.
    """
    if not 1 <= len(questions) <= 3:
        raise PulseError("A pulse has one to three questions.")
    lock(template)
    check_version(seen, template_version(template))
    answered = set(db.session.scalars(select(PulseAnswer.question_id).where(
        PulseAnswer.question_id.in_([q.id for q in template.questions]))))
    for position, question in enumerate(list(template.questions)):
        if position >= len(questions):
            if question.id in answered:
                raise PulseError(f"“{question.prompt}” has answers: reword it instead.")
            template.questions.remove(question)
    db.session.flush()
    for position, (scale, prompt, invites_comment) in enumerate(questions):
        if position < len(template.questions):
            question = template.questions[position]
        else:
            question = PulseQuestion(template=template, position=position)
            db.session.add(question)
        question.scale, question.prompt = Scale(scale), prompt
        question.invites_comment = invites_comment
    template.name = name.strip()
    db.session.flush()
    audit.record("pulse_template.edited", actor=by, target=template, summary=template.name)
