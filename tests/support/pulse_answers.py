"""Closeout pulses answered with given scores: the answer sets the figure tests recompute."""

from datetime import datetime, timedelta

from flask import Flask

from portal.auth.models import User
from portal.extensions import db
from portal.projects.models import Project
from portal.pulses import services as pulses
from portal.pulses.models import Trigger
from tests.support.factories import Factories

# (CSAT 1-5, NPS 0-10, CES 1-7) per pulse: CSAT 5 of 8 = 62.5%, NPS (3 − 2) / 8 = +12.5 and
# CES 34 / 8 = 4.25, each exactly half way; DOWN has NPS (2 − 3) / 8 = −12.5.
UP = [(5, 10, 5), (5, 9, 5), (5, 9, 5), (4, 8, 5), (4, 7, 4), (1, 7, 4), (2, 0, 3), (3, 5, 3)]
DOWN = [(5, 10, 5), (5, 9, 5), (4, 8, 5), (4, 7, 5), (1, 7, 4), (1, 0, 4), (2, 5, 3), (3, 6, 3)]


def answer_pulses(app: Flask, make: Factories, org: str, answers: list[tuple[int, int, int]], *,
                  project: Project | None = None, at: datetime | None = None) -> None:
    """One closeout pulse per answer set, each from its own client user of `org`
    (client0@<org>.example, client1@...), sent and answered at `at` (now if None)."""
    for i, (csat, nps, ces) in enumerate(answers):
        user = make.user(f"client{i}@{org.lower().replace(' ', '')}.example", organization=org)
        with app.app_context():
            request = pulses.request_pulse(
                db.session.get(User, user.id), trigger=Trigger.CLOSEOUT,
                project=db.session.get(Project, project.id) if project else None,
                now=at + timedelta(hours=i) if at else None)
            by_scale = {"csat": csat, "nps": nps, "ces": ces}
            pulses.record_answers(
                request, comments={},
                now=at + timedelta(hours=i, minutes=5) if at else None,
                scores={q.id: by_scale[q.scale.value] for q in request.template.questions})
            db.session.commit()
