"""Queue emails in the outbox. Functions add rows and flush; the caller commits.

Each queue_* function is called in the transaction of what caused the email, so the email and
its cause are saved together or not at all. A user who chose no emails gets none; an inactive
user gets none. The dedupe key makes calling a function twice for the same cause harmless.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.models import Role, UpdateEmails, User
from portal.db import zone_or_utc
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
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


def _format_date(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "no date yet"


def summarise_update(update: StatusUpdate, recipient: User) -> UpdateSummary:
    """The client-facing part of an update, with its time in the recipient's timezone."""
    published = update.published_at.astimezone(zone_or_utc(recipient.effective_timezone))
    return UpdateSummary(
        project_name=update.project.name,
        project_url=absolute_url("projects.show", project_id=update.project_id),
        body=update.body, status=update.status.label, eta=_format_date(update.eta),
        published=published.strftime("%-d %b %Y, %H:%M %Z"),
    )


def wants_email(user: User | None) -> bool:
    """Whether the portal may email this person at all."""
    return user is not None and user.active and user.update_emails != UpdateEmails.NONE


def queue_message(
    recipient: User, kind: MessageKind, *, dedupe_key: str | None, subject: str, **context
) -> OutboxMessage | None:
    """Render and add one email; None when the same dedupe key was queued before."""
    if dedupe_key is not None and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    email = render_email(kind, recipient, subject=subject, **context)
    message = OutboxMessage(
        user=recipient, to_address=recipient.email, kind=kind, dedupe_key=dedupe_key,
        subject=email.subject, text_body=email.text_body, html_body=email.html_body,
        headers=email.headers,
    )
    db.session.add(message)
    return message


def queue_update_published(update: StatusUpdate) -> list[OutboxMessage]:
    """Email the update to each active client user of the project's organisation who asked
    for every update as it is published."""
    stmt = select(User).where(
        User.organization_id == update.project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True), User.update_emails == UpdateEmails.IMMEDIATE,
    ).order_by(User.id)
    messages = []
    for user in db.session.scalars(stmt):
        summary = summarise_update(update, user)
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


def digest_week(now: datetime) -> tuple[datetime, datetime]:
    """The last whole week before `now`: Monday 00:00 UTC to the next Monday 00:00 UTC."""
    today = now.astimezone(ZoneInfo("UTC")).replace(hour=0, minute=0, second=0, microsecond=0)
    end = today - timedelta(days=today.weekday())
    return end - timedelta(days=7), end


def queue_weekly_digests(now: datetime) -> list[OutboxMessage]:
    """One digest per weekly-digest client with last week's updates of their organisation;
    calling it again for the same week queues nothing new."""
    start, end = digest_week(now)
    year, week, _ = start.isocalendar()
    updates = db.session.scalars(
        select(StatusUpdate).join(StatusUpdate.project)
        .where(StatusUpdate.published_at >= start, StatusUpdate.published_at < end)
        .options(selectinload(StatusUpdate.project).load_only(Project.name,
                                                              Project.organization_id))
        .order_by(StatusUpdate.published_at)
    ).all()
    by_org: dict[int, list[StatusUpdate]] = {}
    for update in updates:
        by_org.setdefault(update.project.organization_id, []).append(update)
    users = db.session.scalars(select(User).where(
        User.organization_id.in_(by_org), User.role == Role.CLIENT, User.active.is_(True),
        User.update_emails == UpdateEmails.WEEKLY_DIGEST,
    ).order_by(User.id))
    messages = []
    for user in users:
        summaries = [summarise_update(u, user) for u in by_org[user.organization_id]]
        plural = "update" if len(summaries) == 1 else "updates"
        message = queue_message(
            user, MessageKind.WEEKLY_DIGEST, dedupe_key=f"digest:{year}-W{week:02d}:user:{user.id}",
            subject=f"Your week: {len(summaries)} {plural}, week of {_format_date(start.date())}",
            updates=summaries, week_label=f"{_format_date(start.date())} to "
                                          f"{_format_date((end - timedelta(days=1)).date())}",
        )
        if message is not None:
            messages.append(message)
    db.session.flush()
    return messages


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
    message = queue_message(
        user, MessageKind.PULSE_REQUEST, dedupe_key=f"pulse:{request.id}",
        subject=f"How are we doing? {counted(len(request.template.questions), 'short question')}"
        + (f" about {request.project.name}" if request.project else ""),
        prompt=question.prompt, answer_url=answer_url,
        score_urls=[(n, f"{answer_url}?score={n}") for n in range(low, high + 1)],
        project_name=request.project.name if request.project else None,
        more_questions=len(request.template.questions) - 1,
    )
    db.session.flush()
    return message


def queue_closeout_published(closeout) -> list[OutboxMessage]:
    """Tell the client users that the closeout summary is ready, and who takes care of them."""
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
