"""Erasing a client organisation's personal data on a privacy request, keeping the anonymous
figures (projects, milestones, updates, pulse scores, health history). Functions flush; the
caller commits."""

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth import services as auth
from portal.auth.models import EmailToken, RecoveryCode, Role, User
from portal.concurrency import lock
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.projects.models import Project, Question, Reply
from portal.pulses.models import (
    AnswerRevision,
    FollowUp,
    PulseAnswer,
    PulseRequest,
    ValueAnswer,
)
from portal.touchpoints.models import Touchpoint

REMOVED = "[removed at the client's request]"
# People are anonymised in place, not deleted: their pulse requests, questions and audit rows
# point at them, and a deleted row would take the scores (CASCADE) and the aggregates with it.
ERASED_DOMAIN = "erased.invalid"


class ErasureError(ValueError):
    """The erase was refused; the message is for the admin at the form."""


@dataclass(frozen=True)
class Erasure:
    """How many of each kind an erase removes (or would remove)."""

    people: int
    comments: int
    questions: int
    replies: int
    notes: int
    emails: int
    links: int
    touchpoints: int = 0

    @property
    def total(self) -> int:
        return sum(vars(self).values())

    def kinds(self) -> list[tuple[str, int]]:
        """Each kind in the admin's words, with its count."""
        return [("people anonymised and signed out", self.people),
                ("pulse comments", self.comments), ("questions", self.questions),
                ("replies", self.replies),
                ("follow-up notes about them", self.notes), ("emails to them", self.emails),
                ("sign-in and invitation links", self.links),
                ("touchpoints' names and notes", self.touchpoints)]

    def summary(self) -> str:
        """The counts, with no personal data: what the audit log keeps."""
        return "; ".join(f"{kind}: {count}" for kind, count in self.kinds())


def _people(organization: Organization):
    """The organisation's client users not yet anonymised."""
    return select(User.id).where(User.organization_id == organization.id,
                                 User.role == Role.CLIENT,
                                 ~User.email.endswith("@" + ERASED_DOMAIN))


def _all_people(organization: Organization):
    return select(User.id).where(User.organization_id == organization.id)


def _projects(organization: Organization):
    return select(Project.id).where(Project.organization_id == organization.id)


def _answers(organization: Organization):
    requests = select(PulseRequest.id).where(PulseRequest.organization_id == organization.id)
    return select(PulseAnswer.id).where(PulseAnswer.request_id.in_(requests))


def _questions(organization: Organization):
    return select(Question.id).where(Question.project_id.in_(_projects(organization)),
                                     Question.body != REMOVED)


def _replies(organization: Organization):
    questions = select(Question.id).where(Question.project_id.in_(_projects(organization)))
    return select(Reply.id).where(Reply.question_id.in_(questions), Reply.body != REMOVED)


def _notes(organization: Organization):
    """Staff's notes on closing follow-ups to its people's answers: they speak of them."""
    requests = select(PulseRequest.id).where(PulseRequest.organization_id == organization.id)
    return select(FollowUp.id).where(FollowUp.request_id.in_(requests),
                                     FollowUp.resolution.is_not(None),
                                     FollowUp.resolution != REMOVED)


def _emails(organization: Organization):
    addresses = select(User.email).where(User.organization_id == organization.id)
    return select(OutboxMessage.id).where(or_(
        OutboxMessage.user_id.in_(_all_people(organization)),
        OutboxMessage.to_address.in_(addresses)))


def _value_comments(organization: Organization):
    requests = select(PulseRequest.id).where(PulseRequest.organization_id == organization.id)
    return select(ValueAnswer.id).where(ValueAnswer.request_id.in_(requests),
                                        ValueAnswer.comment.is_not(None))


def _touchpoints(organization: Organization):
    """The account's touchpoints still naming its people or noting about them."""
    return select(Touchpoint.id).where(Touchpoint.organization_id == organization.id,
                                       Touchpoint.client_people != REMOVED)


def _count(ids) -> int:
    return db.session.scalar(select(func.count()).select_from(ids.subquery()))


def preview(organization: Organization) -> Erasure:
    """What erasing the organisation's client data would remove now."""
    comments = _answers(organization).where(PulseAnswer.comment.is_not(None))
    links = select(EmailToken.id).where(EmailToken.user_id.in_(_all_people(organization)))
    return Erasure(people=_count(_people(organization)),
                   comments=_count(comments) + _count(_value_comments(organization)),
                   questions=_count(_questions(organization)),
                   replies=_count(_replies(organization)), notes=_count(_notes(organization)),
                   emails=_count(_emails(organization)),
                   links=_count(links), touchpoints=_count(_touchpoints(organization)))


def erase(organization: Organization, *, typed_name: str, by: User) -> Erasure:
    """Remove the organisation's people's personal data, comments, questions and replies,
    emails and links, in the caller's transaction; scores and projects stay. Erasing again
    removes nothing more."""
    if typed_name != organization.name:
        raise ErasureError(f"Type the organisation's name exactly as shown, {organization.name}"
                           ", to erase its client data. Nothing was removed.")
    lock(organization)  # two admins at once: the second finds nothing left and says so
    done = preview(organization)
    # Emails first: they are found by the people's addresses, which anonymising replaces.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(_emails(organization))),
                       execution_options={"synchronize_session": False})
    for model in (EmailToken, RecoveryCode):
        db.session.execute(delete(model).where(model.user_id.in_(_all_people(organization))),
                           execution_options={"synchronize_session": False})
    db.session.execute(update(FollowUp).where(FollowUp.id.in_(_notes(organization)))
                       .values(resolution=REMOVED),
                       execution_options={"synchronize_session": False})
    for person in db.session.scalars(select(User).where(User.id.in_(_people(organization)))):
        _anonymise(person)
    answers = _answers(organization)
    db.session.execute(update(PulseAnswer).where(PulseAnswer.id.in_(answers))
                       .values(comment=None), execution_options={"synchronize_session": False})
    db.session.execute(update(AnswerRevision).where(AnswerRevision.answer_id.in_(answers))
                       .values(old_comment=None, new_comment=None),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(ValueAnswer).where(ValueAnswer.id.in_(
        _value_comments(organization))).values(comment=None),
        execution_options={"synchronize_session": False})
    db.session.execute(update(Touchpoint).where(Touchpoint.id.in_(_touchpoints(organization)))
                       .values(client_people=REMOVED, note="", client_summary=None),
                       execution_options={"synchronize_session": False})
    # Through the session: clients' open pages of these projects refresh (web/changes.py).
    for model, ids in ((Question, _questions(organization)), (Reply, _replies(organization))):
        for row in db.session.scalars(select(model).where(model.id.in_(ids))):
            row.body = REMOVED
    audit.record("organization.client_data_erased", actor=by, target=organization,
                 organization=organization, summary=done.summary())
    db.session.flush()
    db.session.expire_all()
    return done


def _anonymise(person: User) -> None:
    """No name, address, phone, password or second factor left; signed out, cannot sign in."""
    auth.end_all_sessions(person)
    auth.record_active(person, False)
    person.name = "Removed client"
    person.email = f"removed-{person.id}@{ERASED_DOMAIN}"
    person.phone = person.job_title = person.external_id = person.timezone = None
    person.password_hash = None
    person.two_factor_enabled_at = None
    person.totp_secret = person.totp_last_step = None
