"""Dates a client reads are the client's dates: promises kept, the next update expected, counted
in the organisation's timezone (on the client page and in the health metric's SQL alike), and
the page says which timezone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.health import deliveries, metrics
from portal.projects import track_record
from portal.projects.models import EtaChange, Milestone, Project, ProjectStatus

CHICAGO, AUCKLAND = ZoneInfo("America/Chicago"), ZoneInfo("Pacific/Auckland")
AFTER_ALL = date(2026, 12, 1)  # every delivery below is before it


def _local(zone: ZoneInfo, *parts: int) -> datetime:
    """A wall-clock moment where the client is, as the aware UTC moment the database keeps."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def _delivered(project: Project, staff: User, title: str, *, planned: date, moved_at: datetime,
               moved_to: date, done: date) -> None:
    """A milestone planned for one day, moved at `moved_at` to another and delivered then."""
    milestone = Milestone(project=project, title=title, position=len(project.milestones),
                          planned_on=planned, eta=moved_to, completed_on=done)
    db.session.add(milestone)
    db.session.flush()
    db.session.add(EtaChange(project=project, milestone=milestone, old_eta=planned,
                             new_eta=moved_to, reason="Waiting on the client.",
                             changed_by=staff, changed_at=moved_at))


@pytest.fixture
def chicago(app, make):
    """Acme in Chicago, with four milestones moved near midnight and across the end of DST (1 Nov
    2026, 02:00 CDT → 01:00 CST), and Globex in Auckland with one; all delivered on the new
    date."""
    make.organization("Acme Corp", timezone="America/Chicago")
    make.organization("Globex", timezone="Pacific/Auckland")
    staff = make.user("owner@firm.example", role=Role.STAFF)
    acme, globex = make.project("Acme Corp", name="Rollout"), make.project("Globex", name="Harbour")
    with app.app_context():
        staff = db.session.get(User, staff.id)
        rollout, harbour = db.session.get(Project, acme.id), db.session.get(Project, globex.id)
        # The case: moved on 14 Nov at 20:00 in Chicago (02:00 on the 15th in UTC),
        # delivered on 21 Nov: given 7 days ahead.
        _delivered(rollout, staff, "Design", planned=date(2026, 11, 14),
                   moved_at=_local(CHICAGO, 2026, 11, 14, 20, 0), moved_to=date(2026, 11, 21),
                   done=date(2026, 11, 21))
        # Across the end of DST: 31 Oct 23:30 CDT (UTC−5) is 1 Nov 04:30 UTC; delivered 7 Nov.
        _delivered(rollout, staff, "Plan", planned=date(2026, 10, 31),
                   moved_at=_local(CHICAGO, 2026, 10, 31, 23, 30), moved_to=date(2026, 11, 7),
                   done=date(2026, 11, 7))
        # After it: 1 Nov 23:30 CST (UTC−6) is 2 Nov 05:30 UTC, and 00:30 on 2 Nov at a fixed
        # summer offset; delivered 8 Nov: still given 7 days ahead.
        _delivered(rollout, staff, "Build", planned=date(2026, 11, 1),
                   moved_at=_local(CHICAGO, 2026, 11, 1, 23, 30), moved_to=date(2026, 11, 8),
                   done=date(2026, 11, 8))
        # Moved half an hour into 15 Nov in Chicago, delivered 21 Nov: 6 days ahead, not kept.
        _delivered(rollout, staff, "Launch", planned=date(2026, 11, 14),
                   moved_at=_local(CHICAGO, 2026, 11, 15, 0, 30), moved_to=date(2026, 11, 21),
                   done=date(2026, 11, 21))
        # Auckland is ahead of UTC: 14 Nov 12:00 UTC is already 15 Nov 01:00 there.
        _delivered(harbour, staff, "Survey", planned=date(2026, 11, 14),
                   moved_at=datetime(2026, 11, 14, 12, 0, tzinfo=UTC),
                   moved_to=date(2026, 11, 21), done=date(2026, 11, 21))
        db.session.commit()
    return {"rollout": acme.id, "harbour": globex.id}


def _page_figures(app, project_id: int) -> tuple[int, int, int]:
    with app.app_context():
        found = track_record.promises_kept([db.session.get(Project, project_id)])
        return found.count, found.kept_first, found.kept_with_notice


def _sql_figures(app, org_name: str) -> tuple[int, int, int]:
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == org_name))
        found = deliveries.promises_before([org], AFTER_ALL)[org]
        return found.count, found.kept_first, found.kept_with_notice


def _by_hand(app, org_name: str) -> tuple[int, int, int]:
    """The rule read straight off the rows: a milestone's promise with notice is the ETA its
    change gave if that change's date where the client is was 7+ days before delivery."""
    with app.app_context():
        rows = db.session.execute(
            select(Organization.timezone, Milestone.planned_on, Milestone.completed_on,
                   EtaChange.changed_at, EtaChange.new_eta)
            .join(Project, Project.organization_id == Organization.id)
            .join(Milestone, Milestone.project_id == Project.id)
            .join(EtaChange, EtaChange.milestone_id == Milestone.id)
            .where(Organization.name == org_name)).all()
    kept_first = kept_notice = 0
    for zone, planned, done, changed_at, new_eta in rows:
        local_day = changed_at.astimezone(ZoneInfo(zone)).date()
        promised = new_eta if (done - local_day).days >= 7 else planned
        kept_first += done <= planned
        kept_notice += done <= promised
    return len(rows), kept_first, kept_notice


def test_a_date_moved_in_the_clients_evening_counts_on_the_clients_day(app, chicago):
    # Design, Plan and Build were moved 7 days ahead by the Chicago calendar (though 6 by UTC's,
    # Plan and Build across the end of daylight saving time); Launch 6 days ahead.
    assert _page_figures(app, chicago["rollout"]) == (4, 0, 3) == _by_hand(app, "Acme Corp")
    # In Auckland the move came on 15 Nov: 6 days ahead, though UTC says 14 Nov.
    assert _page_figures(app, chicago["harbour"]) == (1, 0, 0) == _by_hand(app, "Globex")


def test_the_health_metric_counts_in_each_accounts_timezone_like_the_client_page(app, chicago):
    assert _sql_figures(app, "Acme Corp") == _page_figures(app, chicago["rollout"]) == (4, 0, 3)
    assert _sql_figures(app, "Globex") == _page_figures(app, chicago["harbour"]) == (1, 0, 0)


def test_the_client_page_states_the_timezone_its_dates_are_in(app, chicago, make, signed_in):
    make.user("ann@acme.example", organization="Acme Corp")
    browser = signed_in("ann@acme.example")
    page = browser.get(f"/projects/{chicago['rollout']}").get_data(as_text=True)
    assert "too few to show (4 so far)" in page  # 4 deliveries, under the default minimum of 5
    assert "dates in America/Chicago" in page
    home = browser.get("/").get_data(as_text=True)
    assert "dates in America/Chicago" in home


def test_a_closed_projects_own_eta_change_is_dated_where_the_client_is(app, make):
    make.organization("Initech", timezone="America/Chicago")
    created = make.project("Initech", name="Migration")
    with app.app_context():
        project = db.session.get(Project, created.id)
        project.eta, project.closed_on = date(2026, 11, 21), date(2026, 11, 21)
        project.status = ProjectStatus.DONE
        db.session.add(EtaChange(project=project, old_eta=date(2026, 11, 14),
                                 new_eta=date(2026, 11, 21), reason="Scope grew.",
                                 changed_at=_local(CHICAGO, 2026, 11, 14, 20, 0)))
        db.session.commit()
    assert _page_figures(app, created.id) == (1, 0, 1) == _sql_figures(app, "Initech")


def test_the_next_update_is_expected_a_cadence_after_the_clients_day_of_the_last(
        app, make, signed_in):
    # Published on 14 Nov at 20:00 in Chicago (15 Nov in UTC), every 7 days: expected by 21 Nov,
    # and on the morning of 28 Nov in Chicago a whole cadence late, which the Communication
    # metric scores 0 (by UTC days it would be 6 days late of 7: 14).
    make.organization("Acme Corp", timezone="America/Chicago")
    staff = make.user("owner@firm.example", role=Role.STAFF)
    make.user("ann@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Rollout", update_cadence_days=7)
    make.update(project, author=staff, published_at=_local(CHICAGO, 2026, 11, 14, 20, 0))
    page = signed_in("ann@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "next update expected by 21 Nov 2026" in page
    with app.app_context():
        org = db.session.get(Project, project.id).organization_id
        result = metrics.communication([org], _local(CHICAGO, 2026, 11, 28, 6, 0))[org]
    assert result.score == 0
    assert "Rollout 7 days late (every 7 days) → 0" in result.inputs
    assert "days in America/Chicago" in result.inputs


def test_the_eta_history_dates_each_change_on_the_clients_day(app, chicago, make, signed_in):
    make.user("ann@acme.example", organization="Acme Corp")
    page = signed_in("ann@acme.example").get(f"/projects/{chicago['rollout']}")
    text = page.get_data(as_text=True)
    assert "4 changes so far, each dated on the day it was given in America/Chicago" in text
    # Design's change, 20:00 on 14 Nov in Chicago (15 Nov in UTC), on the client's day:
    assert "<strong>14 Nov 2026</strong>" in text
    assert "<strong>31 Oct 2026</strong>" in text  # Plan's, 1 Nov 04:30 UTC
