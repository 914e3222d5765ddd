"""The demo's pulse history: months of periodic pulses and answers with a realistic spread.

Scores lean on how each project went (the blocked Globex network refresh gets cooler answers
lately); some answers are low and open follow-ups, most of which staff have resolved.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.projects import questions
from portal.projects.models import Project, QuestionKind, StatusUpdate
from portal.pulses import loop
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseRequest, RequestState, Trigger

COMMENTS = {
    "high": ["Clear weekly updates, thank you.", "Priya always knows where things stand.",
             "The shortlist was excellent.", "Very responsive team."],
    "middle": ["Fine, but the last update came late.", "Would like more notice of date changes.",
               None, None],
    "low": ["We heard about the delay from our own supplier first.",
            "Nobody got back to us about the scanner issue.", "Dates keep moving."],
}
PERIODIC_DAYS_AGO = range(175, 0, -30)
RESOLUTIONS = ["Called the client; agreed a short weekly call until launch.",
               "Apologised and shared the recovery plan with dates.",
               "Met on site; the issue was a misunderstanding about scope."]


def _mood(request: PulseRequest, now: datetime) -> float:
    """0 (unhappy) to 1 (delighted): Globex cooled while its refresh was blocked."""
    recent = now - request.sent_at < timedelta(days=30)
    return 0.35 if request.organization.name == "Globex" and recent else 0.8


def _score(rng: random.Random, low: int, high: int, mood: float) -> int:
    return max(low, min(high, round(low + (high - low) * rng.betavariate(1 + 6 * mood,
                                                                         1 + 6 * (1 - mood)))))


def answer_pulses(rng: random.Random) -> None:
    """Send periodic pulses over the last six months, then answer three in four of them.

    Day by day, as the scheduled job would have, held pulses go out once their wait is over:
    what is still held at the end waits until a date to come."""
    now = utcnow()
    for days_ago in range(180, -1, -1):
        moment = now - timedelta(days=days_ago)
        if days_ago in PERIODIC_DAYS_AGO:
            pulses.periodic_pulses(now=moment)
        pulses.release_held(moment)
    sent = db.session.scalars(select(PulseRequest).where(
        PulseRequest.state == RequestState.SENT).order_by(PulseRequest.sent_at))
    for request in list(sent):
        answered_at = request.sent_at + timedelta(hours=rng.uniform(1, 72))
        if rng.random() > 0.75 or answered_at > now:
            continue
        mood = _mood(request, now)
        scores = {q.id: _score(rng, *q.scale.bounds, mood) for q in request.template.questions}
        tone = "low" if mood < 0.5 else "high" if rng.random() < 0.6 else "middle"
        comment = rng.choice(COMMENTS[tone])
        last = request.template.questions[-1]
        pulses.record_answers(request, scores=scores, now=answered_at,
                              comments={last.id: comment} if comment else {})
    _resolve_old_follow_ups(rng, now)


def _resolve_old_follow_ups(rng: random.Random, now: datetime) -> None:
    """Staff closed the loop on the older follow-ups; the recent ones are still open."""
    open_ones = db.session.scalars(select(FollowUp).where(FollowUp.resolved_at.is_(None)))
    for follow_up in list(open_ones):
        if now - follow_up.opened_at > timedelta(days=10) and follow_up.owner is not None:
            resolved_at = follow_up.opened_at + timedelta(days=rng.uniform(0.2, 2))
            loop.resolve_follow_up(follow_up, by=follow_up.owner, summary=rng.choice(RESOLUTIONS),
                                   now=resolved_at)


OWN_FOLLOW_UP_DAYS_AGO = 6


def seed_own_follow_up(now: datetime | None = None) -> bool:
    """The Acme client's own low answer of last week, followed up and resolved two days later,
    so their dashboard shows the loop closed ("Did this fix it?"); True if it was added."""
    now = now or utcnow()
    client = _user("client@acme.example")
    if loop.client_follow_ups(client, now=now):
        return False
    asked_at = now - timedelta(days=OWN_FOLLOW_UP_DAYS_AGO)
    update = db.session.scalars(
        select(StatusUpdate).join(Project)
        .where(Project.organization_id == client.organization_id,
               Project.closed_on.is_(None), StatusUpdate.published_at <= asked_at)
        .order_by(StatusUpdate.published_at.desc())).first()
    if update is None:
        return False
    # Written as history, like the check-in: the pulse staff asked with that update.
    request = PulseRequest(organization_id=client.organization_id, user=client,
                           template=pulses.template_for(Trigger.UPDATE), trigger=Trigger.UPDATE,
                           project=update.project, update=update, state=RequestState.SENT,
                           created_at=asked_at, sent_at=asked_at)
    db.session.add(request)
    question = request.template.questions[0]
    pulses.record_answers(request, now=asked_at + timedelta(hours=3), scores={question.id: 2},
                          comments={question.id: "We heard about the new date from our own "
                                                 "team before we heard it from you."})
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.request_id == request.id)).one()
    loop.resolve_follow_up(
        follow_up, by=follow_up.owner or _user("staff@demo.example"),
        summary="From now on we call you the same day a date changes, before the update goes out.",
        note="The ETA moved at stand-up but the update went out two days later.",
        now=asked_at + timedelta(days=2))
    return True


def forget_demo_emails(addresses: list[str]) -> None:
    """The demo's history happened in the past: its emails must never actually go out."""
    users = select(User.id).where(User.email.in_(addresses))
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.user_id.in_(users)))
    db.session.flush()


QUESTIONS = [
    # project, asker, kind, question, replier, reply, days ago, hours to answer
    ("Customer portal rebuild", "client@acme.example", QuestionKind.QUESTION,
     "Will the new portal keep our customers' saved payment cards?", "daniel@demo.example",
     "Yes: the cards stay with the payment provider; customers will not re-enter them.", 20, 3),
    ("Senior Data Engineer placement", "sam@acme.example", QuestionKind.QUESTION,
     "Can the shortlist include someone who could start before January?", "sofia@demo.example",
     "Two of the three can start on 4 January; I have asked the third.", 6, 5),
    ("Network refresh", "client@globex.example", QuestionKind.CONCERN,
     "We need a firm date for the switch delivery to book the weekend change window.",
     "admin@demo.example", "Understood. We will confirm the date by Friday, or offer the "
     "alternative model with stock in Chicago.", 8, 26),
]


def ask_questions() -> None:
    """A few client questions and concerns, answered by staff some hours later."""
    now = utcnow()
    for project_name, asker, kind, body, replier, answer, days_ago, hours in QUESTIONS:
        project = db.session.scalars(select(Project).where(Project.name == project_name)).one()
        question = questions.ask_question(project, author=_user(asker), body=body, kind=kind)
        question.asked_at = now - timedelta(days=days_ago)
        reply = questions.reply_to(question, author=_user(replier), body=answer)
        reply.posted_at = question.first_answered_at = question.asked_at + timedelta(hours=hours)
    db.session.flush()


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


SIGN_INS = {  # client users and how often they look in, in days
    "client@acme.example": 4, "sam@acme.example": 12, "alex@acme.example": 30,
    "client@globex.example": 6, "marco@globex.example": 45,
}


def backdate_people_and_sign_ins(days: int = 200) -> None:
    """The demo's people joined months ago and have been signing in since."""
    now = utcnow()
    for user in db.session.scalars(select(User).where(User.email.like("%.example"))):
        user.created_at = now - timedelta(days=days)
    for email, every in SIGN_INS.items():
        user = _user(email)
        for days_ago in range(days - 10, 0, -every):
            event = audit.record("auth.signed_in", actor=user, organization=user.organization)
            event.created_at = now - timedelta(days=days_ago, hours=3)
    db.session.flush()
