"""Each health metric's explanation says what it counts: window, n, and a one-line definition,
enough for staff to recompute the figure from the page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.extensions import db
from portal.health import metrics
from portal.projects.models import Question


@pytest.fixture
def acme(make):
    make.user("priya@firm.example", role=Role.STAFF)
    return make.user("jordan@acme.example", organization="Acme Corp")


def test_responsiveness_counts_an_unanswered_question_with_its_wait_so_far(
        app, make, acme, next_monday):
    project = make.project("Acme Corp")
    monday = next_monday - timedelta(days=7)
    waits = ((monday, monday + timedelta(hours=6)),   # 0.25 working days
             (monday + timedelta(days=1), monday + timedelta(days=2)),  # 1
             (monday + timedelta(days=2), None))  # Wednesday to the next Monday: 3 so far
    for asked, answered in waits:
        question = make.question(project, author=acme)
        with app.app_context():
            row = db.session.get(Question, question.id)
            row.asked_at, row.first_answered_at = asked, answered
            db.session.commit()
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))
        result = metrics.responsiveness([org], next_monday, target_days=1)[org]
    # The median of 0.25, 1 and 3 is 1: on target.
    assert result.score == 100
    assert result.inputs.startswith("Median 1.00 working days to a first answer over 3 "
                                    "questions in the last 90 days (1 of them unanswered, "
                                    "counted with their wait so far; working days are Monday "
                                    "to Friday, UTC)")


def test_loyalty_defines_nps(app):
    figures = metrics.PulseFigures(nps_n=4, promoters=2, detractors=1)
    result = metrics.loyalty_of(figures)
    assert "NPS +25 from 4 answers in the last 180 days" in result.inputs
    assert "NPS = % promoters 9–10 minus % detractors 0–6" in result.inputs


def test_responsiveness_with_one_question_says_question_in_the_singular(
        app, make, acme, next_monday):
    project = make.project("Acme Corp")
    make.question(project, author=acme)
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))
        result = metrics.responsiveness([org], next_monday, target_days=1)[org]
    assert result.score is None
    assert result.inputs == "Not enough data: 1 client question in 90 days (needs 3)"
