"""Client questions and concerns, and their threads. Functions flush; the caller commits."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.projects.models import Project, Question, QuestionKind, Reply
from portal.projects.services import ProjectError
from portal.webhooks import events as webhooks


class EmptyMessage(ProjectError):
    """A question or reply with nothing in it."""

    def __init__(self) -> None:
        super().__init__("Write your message: it is empty.")


def ask_question(project: Project, *, author: User, body: str,
                 kind: QuestionKind = QuestionKind.QUESTION) -> Question:
    """Open a thread on the project; staff see it in their inbox until someone answers."""
    if not body.strip():
        raise EmptyMessage()
    question = Question(project=project, author=author, body=body.strip(), kind=kind)
    db.session.add(question)
    db.session.flush()
    audit.record(f"{kind.value}.asked", actor=author, target=question,
                 organization=project.organization, summary=project.name)
    notifications.queue_question_asked(question)
    webhooks.question_asked(question)
    return question


def reply_to(question: Question, *, author: User, body: str) -> Reply:
    """Add to the thread; the first reply from staff is the time to first answer."""
    if not body.strip():
        raise EmptyMessage()
    lock(question.project, question)  # two first answers at once: the earlier one counts
    reply = Reply(question=question, author=author, body=body.strip(), posted_at=utcnow())
    db.session.add(reply)
    if author.is_staff and question.first_answered_at is None:
        question.first_answered_at = reply.posted_at
    db.session.flush()
    audit.record("question.replied", actor=author, target=question,
                 organization=question.project.organization, summary=question.project.name)
    notifications.queue_question_answered(reply)
    if author.is_staff:
        webhooks.question_answered(reply)
    return reply


def unanswered_questions() -> list[Question]:
    """Staff inbox: questions no one on staff has answered yet on live projects, oldest first."""
    stmt = (
        select(Question)
        .join(Question.project)
        .join(Project.organization)
        .where(Question.first_answered_at.is_(None), Project.archived_at.is_(None),
               Organization.archived_at.is_(None))
        .options(selectinload(Question.project).selectinload(Project.organization),
                 selectinload(Question.author))
        .order_by(Question.asked_at)
    )
    return list(db.session.scalars(stmt))

