"""The Recovery metric's explanation names every time a project was at risk or blocked, and
says which of them the score counts and why."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.health import metrics
from portal.projects.models import ProjectStatus


@pytest.fixture
def acme(make):
    return {"owner": make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair"),
            "client": make.user("jordan@acme.example", organization="Acme Corp")}


def _recovery(app, as_of: datetime):
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))
        return metrics.recovery([org], as_of)[org]


def _updates(make, project, owner, as_of: datetime, *steps) -> None:
    for days, status in steps:
        make.update(project, author=owner, status=status,
                    published_at=as_of - timedelta(days=days))


def test_a_project_blocked_for_eight_days_is_named_not_hidden(app, make, acme, next_monday):
    website = make.project("Acme Corp", name="Website")
    _updates(make, website, acme["owner"], next_monday, (20, ProjectStatus.ON_TRACK),
             (8, ProjectStatus.BLOCKED))
    result = _recovery(app, next_monday)
    assert result.score is None  # nothing counted yet, so no number
    assert "no project at risk or blocked" not in result.inputs
    assert "1 time at risk or blocked in the last 180 days" in result.inputs
    assert "0 counted" in result.inputs
    assert "Website blocked from" in result.inputs
    assert "still open after 8 days: not counted yet" in result.inputs
    assert "once it passes 14 days" in result.inputs


def test_every_episode_is_named_and_only_the_counted_ones_make_the_score(
        app, make, acme, next_monday):
    website, app_project = (make.project("Acme Corp", name="Website"),
                            make.project("Acme Corp", name="Mobile app"))
    _updates(make, website, acme["owner"], next_monday, (50, ProjectStatus.BLOCKED),
             (15, ProjectStatus.ON_TRACK),  # 35 days back: 100 × (56 − 35) / 42 = 50
             (8, ProjectStatus.AT_RISK))  # open for 8 days: not counted
    _updates(make, app_project, acme["owner"], next_monday,
             (30, ProjectStatus.AT_RISK))  # open 30 days
    result = _recovery(app, next_monday)
    # Counted: 50 (35 days back) and 100 × (56 − 30) / 42 = 61.9; mean 55.95 → 56.
    assert result.score == round((50 + 100 * (56 - 30) / 42) / 2)
    assert "3 times at risk or blocked" in result.inputs and "2 counted" in result.inputs
    assert "back on track" in result.inputs and "after 35 days → 50" in result.inputs
    assert "Mobile app at risk from" in result.inputs
    assert "still open after 30 days → 61.9" in result.inputs
    assert "Website at risk from" in result.inputs
    assert "still open after 8 days: not counted yet" in result.inputs
    assert "mean of the 2 counted" in result.inputs


def test_an_account_never_in_trouble_says_so(app, make, acme, next_monday):
    website = make.project("Acme Corp", name="Website")
    _updates(make, website, acme["owner"], next_monday, (20, ProjectStatus.ON_TRACK))
    assert _recovery(app, next_monday).inputs == (
        "Not enough data: no project at risk or blocked in the last 180 days")


def test_an_episode_of_one_day_reads_1_day_not_1_days():
    began = utcnow() - timedelta(days=1)
    episode = metrics.Episode("Rollout", ProjectStatus.BLOCKED, began, began + timedelta(days=1),
                              1.0)
    assert "after 1 day →" in episode.words()
    open_one = metrics.Episode("Rollout", ProjectStatus.AT_RISK, began, None, 1.0)
    assert "still open after 1 day:" in open_one.words()
