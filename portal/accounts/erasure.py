"""Erasing a client organisation's personal data on a privacy request, keeping the anonymous
figures (projects, milestones, updates, pulse scores, health history). The audit log keeps that
the erase happened and every entry it had, but the people's addresses in past entries become
pseudonyms (their anonymous address), the network addresses they acted from are forgotten and
follow-up notes copied into it are removed. Functions flush; the caller commits."""

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth import services as auth
from portal.auth.models import EmailToken, RecoveryCode, Role, User
from portal.concurrency import lock
from portal.extensions import db
from portal.feeds.models import FeedLink
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
# Audit entries that record an address a person used here (both sides of an email change are
# theirs, unless the new one was someone else's: then no link was sent).
EMAIL_CHANGES = ("auth.email_changed", "auth.email_change_requested")
TAKEN = "(taken: no link sent)"
NOTE_ACTIONS = ("follow_up.resolved", "follow_up.note_added")  # their summary is the note
ADDRESS = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


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
    audit_entries: int
    touchpoints: int

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
                ("touchpoints' names and notes", self.touchpoints),
                ("audit entries naming them (kept, with a pseudonym)", self.audit_entries)]

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


def _note_entries(organization: Organization):
    """Audit entries that copied a follow-up note about its people (the note's own text)."""
    requests = select(PulseRequest.id).where(PulseRequest.organization_id == organization.id)
    follow_ups = select(FollowUp.id).where(FollowUp.request_id.in_(requests))
    return select(AuditEvent.id).where(AuditEvent.target_type == FollowUp.__name__,
                                       AuditEvent.target_id.in_(follow_ups),
                                       AuditEvent.action.in_(NOTE_ACTIONS),
                                       AuditEvent.summary != REMOVED)


def _audit_entries(organization: Organization) -> int:
    named = {event.id for event in audit.entries_naming(_pseudonyms(organization))}
    return len(named | set(db.session.scalars(_note_entries(organization))))


def _client_summaries(organization: Organization):
    """What staff told its people they did about their answers: it speaks of them too."""
    requests = select(PulseRequest.id).where(PulseRequest.organization_id == organization.id)
    return select(FollowUp.id).where(FollowUp.request_id.in_(requests),
                                     FollowUp.client_summary.is_not(None),
                                     FollowUp.client_summary != REMOVED)


def _emails(organization: Organization):
    addresses = select(User.email).where(User.organization_id == organization.id)
    return select(OutboxMessage.id).where(or_(
        OutboxMessage.user_id.in_(_all_people(organization)),
        OutboxMessage.to_address.in_(addresses)))


def _pseudonyms(organization: Organization) -> dict[int, tuple[set[str], str]]:
    """Per person not yet anonymised: every address they had here (now, and in their email
    changes) and the pseudonym that replaces it in the audit log, their anonymous address."""
    people = {person_id: ({email.lower()}, _anonymous_address(person_id))
              for person_id, email in db.session.execute(
                  select(User.id, User.email).where(User.id.in_(_people(organization))))}
    for person_id, summary in db.session.execute(
            select(AuditEvent.target_id, AuditEvent.summary).where(
                AuditEvent.target_type == User.__name__, AuditEvent.target_id.in_(people),
                AuditEvent.action.in_(EMAIL_CHANGES))):
        used = ADDRESS.findall(summary)
        people[person_id][0].update(a.lower() for a in (used[:1] if TAKEN in summary else used))
    return people


def _anonymous_address(person_id: int) -> str:
    return f"removed-{person_id}@{ERASED_DOMAIN}"


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
                   links=_count(links), audit_entries=_audit_entries(organization),
                   touchpoints=_count(_touchpoints(organization)))


def erase(organization: Organization, *, typed_name: str, by: User) -> Erasure:
    """Remove the organisation's people's personal data, comments, questions and replies,
    emails and links, in the caller's transaction; scores and projects stay. Erasing again
    removes nothing more."""
    if typed_name != organization.name:
        raise ErasureError(f"Type the organisation's name exactly as shown, {organization.name}"
                           ", to erase its client data. Nothing was removed.")
    lock(organization)  # two admins at once: the second finds nothing left and says so
    done = preview(organization)
    # Before anonymising: the audit's entries are found by the people's addresses.
    audit.pseudonymise(_pseudonyms(organization))
    # Emails first: they are found by the people's addresses, which anonymising replaces.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(_emails(organization))),
                       execution_options={"synchronize_session": False})
    for model in (EmailToken, RecoveryCode, FeedLink):
        db.session.execute(delete(model).where(model.user_id.in_(_all_people(organization))),
                           execution_options={"synchronize_session": False})
    db.session.execute(update(FollowUp).where(FollowUp.id.in_(_notes(organization)))
                       .values(resolution=REMOVED),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(AuditEvent).where(AuditEvent.id.in_(_note_entries(organization)))
                       .values(summary=REMOVED),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(FollowUp).where(FollowUp.id.in_(_client_summaries(organization)))
                       .values(client_summary=REMOVED),
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
    person.email = _anonymous_address(person.id)
    person.phone = person.job_title = person.external_id = person.timezone = None
    person.password_hash = None
    person.two_factor_enabled_at = None
    person.totp_secret = person.totp_last_step = None
