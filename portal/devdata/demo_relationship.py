"""The demo's relationship history on Acme: a few calls, meetings and a site visit (some with a
summary for the client), and clients' answers about the firm's values on their periodic pulses.

Each part is added only when it is missing, so running the demo again adds nothing.
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import zone_or_utc
from portal.extensions import db
from portal.pulses import values
from portal.pulses.models import PulseRequest, RequestState, Trigger, ValueAnswer
from portal.touchpoints import services as touchpoints
from portal.touchpoints.models import Touchpoint, TouchpointKind

TOUCHPOINTS = [
    # days ago, kind, staff, who from Acme, internal note, summary for the client
    (47, TouchpointKind.MEETING, "staff@demo.example", "Jordan Blake, Sam Patel",
     "Quarterly review. Sam worried about the portal budget; wants costs monthly.",
     "Quarterly review: we agreed to send a monthly cost summary with the status update."),
    (33, TouchpointKind.CALL, "sofia@demo.example", "Alex Kim",
     "Alex prefers candidates who can start before January; shortlist adjusted.",
     "We confirmed the start-date needs for the Senior Data Engineer shortlist."),
    (19, TouchpointKind.SITE_VISIT, "staff@demo.example", "Jordan Blake and the support team",
     "Walked the support floor: the agents' biggest pain is the search on old orders.",
     "We visited your support team and noted the old-orders search as the first fix."),
    (6, TouchpointKind.CALL, "staff@demo.example", "Jordan Blake",
     "Checked in after the ETA change; Jordan fine with it given the reason.", None),
]
VALUES_ASKED = 3  # the first three of the demo's values take turns in periodic pulses
VALUE_COMMENTS = ["You told us about the delay before we asked.", None, None,
                  "Good, though one update came late.", None]


def _acme() -> Organization:
    return db.session.scalars(select(Organization).where(Organization.name == "Acme Corp")).one()


def _staff(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def seed_touchpoints(today: date | None = None) -> bool:
    """Acme's touchpoints, logged on the day they happened; False if Acme has some already."""
    acme = _acme()
    if db.session.scalar(select(func.count()).where(Touchpoint.organization_id == acme.id)):
        return False
    today = today or date.today()
    zone = zone_or_utc(acme.timezone)
    for days_ago, kind, email, people, note, summary in TOUCHPOINTS:
        day = today - timedelta(days=days_ago)
        staff = _staff(email)
        touchpoints.log_touchpoint(
            acme, by=staff, kind=kind, occurred_on=day, staff=staff, client_people=people,
            note=note, client_summary=summary,
            now=datetime.combine(day, time(17, 0), tzinfo=zone))
    db.session.flush()
    return True


def seed_values_answers(rng: random.Random) -> bool:
    """Periodic pulses ask about the first three values in turn; Acme's answered periodic pulses
    carry answers about them (mostly 4-5). False if any values answer exists already."""
    if db.session.scalar(select(func.count()).select_from(ValueAnswer)):
        return False
    asked = values.all_values()[:VALUES_ASKED]
    if not asked:
        return False
    values.save_settings(every=1, asked={v.id for v in asked})
    answered = db.session.scalars(
        select(PulseRequest).where(PulseRequest.organization_id == _acme().id,
                                   PulseRequest.trigger == Trigger.PERIODIC,
                                   PulseRequest.state == RequestState.ANSWERED)
        .order_by(PulseRequest.user_id, PulseRequest.sent_at))
    turn: dict[int, int] = {}
    for request in answered:
        value = asked[turn.get(request.user_id, 0) % len(asked)]
        turn[request.user_id] = turn.get(request.user_id, 0) + 1
        request.value_id, request.value_title = value.id, value.title
        db.session.add(ValueAnswer(
            request=request, score=rng.choices((2, 3, 4, 5), weights=(1, 2, 5, 5))[0],
            comment=rng.choice(VALUE_COMMENTS), given_at=request.answered_at))
    db.session.flush()
    return True
