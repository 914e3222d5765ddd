"""What the client sees: the dashboard, the track record, the ETA history and live refresh."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects import milestones, track_record
from portal.projects import services as project_services
from portal.projects.models import EtaChange, Milestone, Project


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def jordan(make):
    return make.user("jordan@acme.example", organization="Acme Corp")


def _changed(day: date, old: date, new: date) -> EtaChange:
    return EtaChange(old_eta=old, new_eta=new, reason="moved",
                     changed_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC))


def test_a_milestone_moved_at_the_last_minute_keeps_neither_promise():
    planned, moved_to = date(2026, 3, 1), date(2026, 3, 10)
    milestone = Milestone(title="Build", planned_on=planned, eta=moved_to,
                          completed_on=date(2026, 3, 9))
    delivery = track_record.milestone_delivery(
        milestone, [_changed(date(2026, 3, 5), planned, moved_to)]
    )
    assert delivery.first_promised == planned
    assert delivery.promised_with_notice == planned  # the move came 4 days before delivery
    assert not delivery.kept_first_promise and not delivery.kept_promise_with_notice


def test_a_date_moved_with_a_weeks_notice_and_met_counts_as_kept():
    planned, moved_to = date(2026, 3, 1), date(2026, 3, 20)
    milestone = Milestone(title="Build", planned_on=planned, eta=moved_to,
                          completed_on=date(2026, 3, 18))
    delivery = track_record.milestone_delivery(
        milestone, [_changed(date(2026, 3, 11), planned, moved_to)]
    )
    assert delivery.promised_with_notice == moved_to
    assert delivery.kept_promise_with_notice and not delivery.kept_first_promise


def test_update_rhythm_is_the_average_gap_against_the_promised_cadence():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    spans = [(track_record.UpdateSpan(start, start + timedelta(days=30), 4), 7),
             (track_record.UpdateSpan(start, start, 1), 14)]
    rhythm = track_record.update_rhythm(spans)
    assert rhythm.updates == 5
    assert rhythm.average_days == pytest.approx(10.0)
    assert rhythm.promised_days == pytest.approx(7.0) and rhythm.kept is False


def test_the_dashboard_shows_progress_next_step_and_when_to_expect_news(
    signed_in, staff, jordan, make
):
    project = make.project("Acme Corp", name="Customer portal rebuild")
    done = make.milestone(project, title="Discovery", owner=staff, planned_in_days=-5)
    make.milestone(project, title="Build", owner=staff, planned_in_days=10)
    with make.app.app_context():
        project_services.complete_milestone(db.session.get(Milestone, done.id),
                                            on=date.today() - timedelta(days=6))
        db.session.commit()
    make.update(project, author=staff, body="Discovery done early.")
    page = signed_in("jordan@acme.example").get("/").get_data(as_text=True)
    assert "1 of 2 milestones done" in page
    assert "Next: <strong>Build</strong>" in page and "Priya Nair" in page
    assert "just now" in page and "next update expected by" in page
    assert "delivered by the first date promised (1 of 1)" in page


def test_the_project_page_shows_the_first_promise_every_change_and_a_chart(
    signed_in, staff, jordan, make
):
    project = make.project("Acme Corp", eta_in_days=20)
    make.milestone(project, title="Build", owner=staff, planned_in_days=10)
    later = project.eta + timedelta(days=14)
    make.update(project, author=staff, body="Vendor late.", eta=later, reason="Vendor shipped late")
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"First date promised: <strong>{project.eta.strftime('%-d %b %Y').lstrip()}" in page
    assert "Vendor shipped late" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<script" not in page.split(
        "<svg", 1)[1].split("</svg>")[0]
    assert "Milestones against their first planned dates" in page


def test_live_fragment_answers_304_until_staff_publish_something(
    app, signed_in, staff, jordan, make
):
    project = make.project("Acme Corp")
    browser = signed_in("jordan@acme.example")
    first = browser.get(f"/projects/{project.id}/live")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert browser.get(f"/projects/{project.id}/live",
                       headers={"If-None-Match": etag}).status_code == 304
    make.update(project, author=staff, body="Fresh news from staff")
    fresh = browser.get(f"/projects/{project.id}/live", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "Fresh news from staff" in fresh.get_data(as_text=True)
    assert fresh.headers["ETag"] != etag


def test_dashboard_live_fragment_follows_every_project_of_the_organisation(
    signed_in, staff, jordan, make
):
    project = make.project("Acme Corp")
    browser = signed_in("jordan@acme.example")
    etag = browser.get("/live").headers["ETag"]
    assert browser.get("/live", headers={"If-None-Match": etag}).status_code == 304
    make.update(project, author=staff, body="News", status=project.status, eta=project.eta)
    assert browser.get("/live", headers={"If-None-Match": etag}).status_code == 200
    other = make.project("Globex")
    etag = browser.get("/live").headers["ETag"]
    make.update(other, author=staff, body="Globex news")
    assert browser.get("/live", headers={"If-None-Match": etag}).status_code == 304


def test_every_change_a_client_can_see_bumps_the_project_version(app, staff, make):
    project = make.project("Acme Corp")
    milestone = make.milestone(project, owner=staff)
    with app.app_context():
        loaded = db.session.get(Project, project.id)
        versions = [loaded.version]
        m = db.session.get(Milestone, milestone.id)
        project_services.move_milestone_eta(
            m, eta=m.eta - timedelta(days=1), by=db.session.get(User, staff.id)
        )
        db.session.commit()
        versions.append(db.session.get(Project, project.id).version)
        project_services.complete_milestone(m, on=date.today())
        db.session.commit()
        versions.append(db.session.get(Project, project.id).version)
        by = db.session.get(User, staff.id)
        milestones.rename_milestone(m, title="Design, mended", stamp=milestones.milestone_stamp(m),
                                    by=by)
        db.session.commit()
        versions.append(db.session.get(Project, project.id).version)
        extra = project_services.add_milestone(db.session.get(Project, project.id), title="Extra")
        db.session.commit()
        versions.append(db.session.get(Project, project.id).version)
        milestones.delete_milestone(extra, stamp=milestones.milestone_stamp(extra), by=by)
        db.session.commit()
        versions.append(db.session.get(Project, project.id).version)
    assert versions == sorted(set(versions))


def test_dates_are_shown_in_the_clients_timezone(app, signed_in, staff, make):
    make.organization("Tokyo Client", timezone="Asia/Tokyo")
    make.user("ken@tokyo.example", organization="Tokyo Client")
    project = make.project("Tokyo Client")
    make.update(project, author=staff, body="Hello",
                published_at=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    page = signed_in("ken@tokyo.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'title="2 Nov 2026, 05:00 JST"' in page
