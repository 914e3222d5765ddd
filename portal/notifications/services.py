"""Queue emails in the outbox. Functions add rows and flush; the caller commits.

Each queue_* function is called in the transaction of what caused the email, so the email and
its cause are saved together or not at all. A user who chose no emails gets none; an inactive
user gets none. The dedupe key makes calling a function twice for the same cause harmless.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.models import Role, UpdateEmails, User
from portal.db import utcnow, zone_or_utc
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.quiet_hours import held_kind, quiet_until
from portal.notifications.rendering import absolute_url, render_email
from portal.plain_text import counted
from portal.projects.models import Project, Question, Reply, StatusUpdate


@dataclass(frozen=True)
class UpdateSummary:
    """What an email may say about a status update: the published body, status and ETA only."""

    project_name: str
    project_url: str
    body: str
    status: str
    eta: str
    published: str
    headline: str  # the project's summary sentence and line, as its page opens with them
    line: str


def _format_date(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "no date yet"


# What the project's summary says (portal/projects/summary.py): its sentence and line, given by
# the caller, since projects imports this module and not the other way round.
Standing = Callable[[StatusUpdate], tuple[str, str]]


def summarise_update(update: StatusUpdate, recipient: User,
                     standing: tuple[str, str] = ("", "")) -> UpdateSummary:
    """The client-facing part of an update, with its time in the recipient's timezone, opened
    by the project's summary sentence and line (`standing`)."""
    published = update.published_at.astimezone(zone_or_utc(recipient.effective_timezone))
    return UpdateSummary(
        headline=standing[0], line=standing[1],
        project_name=update.project.name,
        project_url=absolute_url("projects.show", project_id=update.project_id),
        body=update.body, status=update.status.label, eta=_format_date(update.eta),
        published=published.strftime("%-d %b %Y, %H:%M %Z"),
    )


def wants_email(user: User | None) -> bool:
    """Whether the portal may email this person at all."""
    return user is not None and user.active and user.update_emails != UpdateEmails.NONE


def queue_message(
    recipient: User, kind: MessageKind, *, dedupe_key: str | None, subject: str,
    to_address: str | None = None, calendar: str | None = None, **context
) -> OutboxMessage | None:
    """Render and add one email; None when the same dedupe key was queued before. It goes to
    the recipient's address unless `to_address` names another (an address they are moving to);
    `calendar` is an iCalendar invitation sent with it as an .ics attachment; a non-urgent one
    to a client in their quiet hours waits for their morning (quiet_hours)."""
    if dedupe_key is not None and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    email = render_email(kind, recipient, subject=subject, **context)
    now = utcnow()
    message = OutboxMessage(
        user=recipient, to_address=to_address or recipient.email, kind=kind,
        dedupe_key=dedupe_key,
        subject=email.subject, text_body=email.text_body, html_body=email.html_body,
        headers=email.headers, calendar=calendar, created_at=now,
        next_attempt_at=(quiet_until(recipient, now) if held_kind(recipient, kind) else None)
        or now,
    )
    db.session.add(message)
    return message


def queue_update_published(update: StatusUpdate,
                           standing: tuple[str, str] = ("", "")) -> list[OutboxMessage]:
    """Email the update to each active client user of the project's organisation who asked
    for every update as it is published, opened by the project's summary (`standing`)."""
    stmt = select(User).where(
        User.organization_id == update.project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True), User.update_emails == UpdateEmails.IMMEDIATE,
    ).order_by(User.id)
    messages = []
    for user in db.session.scalars(stmt):
        summary = summarise_update(update, user, standing)
        message = queue_message(
            user, MessageKind.UPDATE_PUBLISHED, dedupe_key=f"update:{update.id}:user:{user.id}",
            subject=f"{summary.project_name}: {summary.status}", update=summary,
        )
        if message is not None:
            messages.append(message)
    db.session.flush()
    return messages


def queue_question_asked(question: Question) -> OutboxMessage | None:
    """Tell the organisation's account owner that a client asked something on a project."""
    project = question.project
    owner = project.organization.account_owner
    if not wants_email(owner) or owner.id == question.author_id:
        return None
    message = queue_message(
        owner, MessageKind.QUESTION_ASKED, dedupe_key=f"question:{question.id}",
        subject=f"New {question.kind.value} from {project.organization.name} on {project.name}",
        organization_name=project.organization.name, project_name=project.name,
        question_kind=question.kind.value, body=question.body,
        author_name=question.author.name if question.author else "A client",
        project_url=absolute_url("projects.show", project_id=project.id),
    )
    db.session.flush()
    return message


def queue_question_answered(reply: Reply) -> OutboxMessage | None:
    """Tell the client who asked that someone at the firm has replied to their question."""
    question = reply.question
    author = question.author
    if reply.author is None or not reply.author.is_staff or not wants_email(author):
        return None
    if author.is_staff or author.id == reply.author_id:
        return None
    project = question.project
    message = queue_message(
        author, MessageKind.QUESTION_ANSWERED, dedupe_key=f"reply:{reply.id}",
        subject=f"A reply to your {question.kind.value} on {project.name}",
        project_name=project.name, question_kind=question.kind.value, question_body=question.body,
        reply_body=reply.body, replier_name=reply.author.name,
        project_url=absolute_url("projects.show", project_id=project.id),
    )
    db.session.flush()
    return message


def digest_week(now: datetime, zone_name: str = "UTC") -> tuple[datetime, datetime]:
    """The last whole week before `now` where the client is: Monday 00:00 to the next Monday
    00:00 in their timezone (167 or 169 hours across a change of daylight saving time)."""
    zone = zone_or_utc(zone_name)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return (datetime.combine(monday - timedelta(days=7), time(), tzinfo=zone),
            datetime.combine(monday, time(), tzinfo=zone))


def _digest_readers() -> list[User]:
    """The active client users who chose the weekly digest, with their organisations."""
    return list(db.session.scalars(select(User).where(
        User.role == Role.CLIENT, User.active.is_(True),
        User.update_emails == UpdateEmails.WEEKLY_DIGEST,
    ).options(selectinload(User.organization)).order_by(User.id)))


def _updates_between(organization_ids: set[int], start: datetime,
                     end: datetime) -> list[StatusUpdate]:
    """The organisations' updates published in [start, end), oldest first."""
    return list(db.session.scalars(
        select(StatusUpdate).join(StatusUpdate.project)
        .where(Project.organization_id.in_(organization_ids),
               StatusUpdate.published_at >= start, StatusUpdate.published_at < end)
        .options(selectinload(StatusUpdate.project).load_only(Project.name,
                                                              Project.organization_id))
        .order_by(StatusUpdate.published_at)
    ))


def queue_weekly_digests(now: datetime, standing: Standing | None = None) -> list[OutboxMessage]:
    """One digest per weekly-digest client with their organisation's updates of its last whole
    week (its own Monday to Monday), each project opened by its summary as of its newest update
    (`standing`); calling it again for the same week queues nothing new, so it can run every
    hour and each organisation's digest goes once its Monday has begun."""
    readers = _digest_readers()
    weeks = {u.organization_id: digest_week(now, u.organization.timezone) for u in readers}
    if not weeks:
        return []
    found = _updates_between(set(weeks), min(s for s, _ in weeks.values()),
                             max(e for _, e in weeks.values()))
    by_org: dict[int, list[StatusUpdate]] = {}
    for update in found:
        start, end = weeks[update.project.organization_id]
        if start <= update.published_at < end:
            by_org.setdefault(update.project.organization_id, []).append(update)
    messages = [_queue_digest(user, by_org[user.organization_id],
                              weeks[user.organization_id], standing)
                for user in readers if user.organization_id in by_org]
    db.session.flush()
    return [m for m in messages if m is not None]


def _queue_digest(user: User, updates: list[StatusUpdate], week: tuple[datetime, datetime],
                  standing: Standing | None) -> OutboxMessage | None:
    """One client's digest of their organisation's week (None: already queued)."""
    start, end = (moment.date() for moment in week)
    year, number, _ = start.isocalendar()
    newest = {u.project_id: u for u in updates}  # in time order: the last one stays
    standings = {pid: standing(u) if standing else ("", "") for pid, u in newest.items()}
    summaries = [summarise_update(u, user, standings[u.project_id]) for u in updates]
    plural = "update" if len(summaries) == 1 else "updates"
    return queue_message(
        user, MessageKind.WEEKLY_DIGEST, dedupe_key=f"digest:{year}-W{number:02d}:user:{user.id}",
        subject=f"Your week: {len(summaries)} {plural}, week of {_format_date(start)}",
        updates=summaries, standings=list({u.project_name: u for u in summaries}.values()),
        week_label=f"{_format_date(start)} to {_format_date(end - timedelta(days=1))} "
                   f"({user.organization.timezone})",
    )


def unsubscribe(user: User) -> None:
    """Stop every portal email to this user (the one-click unsubscribe)."""
    user.update_emails = UpdateEmails.NONE
    db.session.flush()


def queue_pulse_request(request, *, token: str) -> OutboxMessage | None:
    """Email a pulse with a link per score; each opens the answer form with that score chosen,
    which records nothing until the client presses Send (mail scanners open links)."""
    user = request.user
    if not wants_email(user):
        return None
    question = request.template.questions[0]
    low, high = question.scale.bounds
    answer_url = absolute_url("pulses.answer", token=token)
    # The care pulse comes from the client-care owner (trigger "care"): it says so.
    care = request.organization.care_owner if request.trigger == "care" else None
    subject = request.prompt(question) if request.about else (
        ("Anything we can help with?" if care else
         f"How are we doing? {counted(len(request.template.questions), 'short question')}")
        + (f" about {request.project.name}" if request.project else ""))
    message = queue_message(
        user, MessageKind.PULSE_REQUEST, dedupe_key=f"pulse:{request.id}", subject=subject,
        asked_by=(care.name, care.email) if care else None,
        prompt=request.prompt(question), answer_url=answer_url,
        score_urls=[(n, f"{answer_url}?score={n}") for n in range(low, high + 1)],
        project_name=request.project.name if request.project else None,
        more_questions=len(request.template.questions) - 1,
    )
    db.session.flush()
    return message


def pulse_invitation(request, token: str) -> dict:
    """What an email shows of a pulse: its first question with a link per score (each opens
    the answer page with that score chosen; nothing is recorded until the client sends it)."""
    question = request.template.questions[0]
    low, high = question.scale.bounds
    answer_url = absolute_url("pulses.answer", token=token)
    return {"prompt": request.prompt(question), "answer_url": answer_url,
            "score_urls": [(n, f"{answer_url}?score={n}") for n in range(low, high + 1)],
            "more_questions": len(request.template.questions) - 1}


def queue_closeout_published(closeout, *, pulse_tokens: dict | None = None) -> list[OutboxMessage]:
    """Tell the client users that the closeout summary is ready, and who takes care of them;
    `pulse_tokens` maps a user id to their closeout pulse and its token, asked in this email."""
    pulse_tokens = pulse_tokens or {}
    project = closeout.project
    messages = []
    for user in db.session.scalars(select(User).where(
        User.organization_id == project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True),
    ).order_by(User.id)):
        if not wants_email(user):
            continue
        message = queue_message(
            user, MessageKind.CLOSEOUT_PUBLISHED,
            dedupe_key=f"closeout:{closeout.id}:user:{user.id}",
            subject=f"{project.name} is delivered: your closeout summary",
            project_name=project.name, summary=closeout.summary,
            care_name=closeout.care_contact.name if closeout.care_contact else None,
            care_email=closeout.care_contact.email if closeout.care_contact else None,
            care_next_steps=closeout.care_next_steps,
            closeout_url=absolute_url("closeout.show", project_id=project.id),
            pulse=pulse_invitation(*pulse_tokens[user.id]) if user.id in pulse_tokens else None,
        )
        if message is not None:
            messages.append(message)
    db.session.flush()
    return messages


def queue_follow_up_opened(follow_up) -> OutboxMessage | None:
    """Tell the account owner a client answered unhappily, and by when to follow up."""
    owner = follow_up.owner
    if not wants_email(owner):
        return None
    request = follow_up.request
    message = queue_message(
        owner, MessageKind.FOLLOW_UP_OPENED, dedupe_key=f"follow-up:{follow_up.id}",
        subject=f"Follow up with {request.user.name} at {request.organization.name}",
        client_name=request.user.name, organization_name=request.organization.name,
        reason=follow_up.reason, due=_format_date(follow_up.due_at.date()),
        comments=[a.comment for a in request.answers if a.comment],
        report_url=absolute_url("pulses.report"),
    )
    db.session.flush()
    return message


def _reminder_subject(request) -> str:
    """A reminder asks what the pulse asked: a check-in names the placed person ("A reminder:
    how is Maria settling in?"), the care pulse offers help, any other asks how we are doing."""
    if request.about:
        asked = request.prompt(request.template.questions[0])
        return f"A reminder: {asked[:1].lower()}{asked[1:]}"
    if request.trigger == "care" and request.organization.care_owner:
        return "A reminder: anything we can help with?"
    return "A reminder: how are we doing?" + (
        f" (about {request.project.name})" if request.project else "")


def queue_pulse_reminder(reminder, *, token: str, closes: datetime) -> OutboxMessage | None:
    """Remind a client of a pulse they have not answered, with the same links, and until
    when it can still be answered (`closes`, shown in their timezone)."""
    request = reminder.request
    user = request.user
    if not wants_email(user):
        return None
    local = closes.astimezone(zone_or_utc(user.effective_timezone))
    message = queue_message(
        user, MessageKind.PULSE_REMINDER, dedupe_key=f"pulse-reminder:{reminder.id}",
        subject=_reminder_subject(request),
        project_name=request.project.name if request.project else None,
        closes=local.strftime("%-d %b %Y"), **pulse_invitation(request, token),
    )
    db.session.flush()
    return message
