"""Staff find it easier to tell the client than not to: drafts, edits, milestones, cadence."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import (
    EtaChange,
    Milestone,
    Project,
    ProjectStatus,
    StatusUpdate,
    UpdateDraft,
    UpdateRevision,
)
from portal.projects.services import MilestoneChange, ProjectError, publish_update
from tests.support.rows import count_rows


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def client_browser(make, signed_in):
    make.user("jordan@acme.example", organization="Acme Corp")
    return lambda: signed_in("jordan@acme.example")


def _form(project, **fields):
    form = {"status": "on_track", "body": "", "eta": project.eta.isoformat() if project.eta
            else "", "eta_confidence": "medium", "reason": "", "internal_note": ""}
    form.update(fields)
    return form


def test_a_draft_stays_hidden_until_published(app, signed_in, staff, make, client_browser,
                                              post_form):
    project = make.project("Acme Corp")
    browser = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/updates/new"
    response = post_form(browser, path, _form(project, body="Half-written thought",
                                              action="draft"))
    assert response.status_code == 302
    assert "Half-written thought" not in client_browser().get(
        f"/projects/{project.id}").get_data(as_text=True)
    page = browser.get(path).get_data(as_text=True)
    assert "continuing your draft" in page and "Half-written thought" in page

    post_form(browser, path, _form(project, body="Finished thought", action="publish"))
    assert "Finished thought" in client_browser().get(
        f"/projects/{project.id}").get_data(as_text=True)
    assert count_rows(app, UpdateDraft) == 0


def test_preview_shows_sanitised_markdown_and_saves_nothing(app, signed_in, staff, make,
                                                            post_form):
    project = make.project("Acme Corp")
    browser = signed_in("priya@firm.example")
    response = post_form(browser, f"/staff/projects/{project.id}/updates/new",
                         _form(project, body="**Bold** <script>x()</script>", action="preview"))
    page = response.get_data(as_text=True)
    assert "<strong>Bold</strong>" in page and "<script>x()" not in page
    assert count_rows(app, StatusUpdate) == 0 and count_rows(app, UpdateDraft) == 0
    live = post_form(browser, "/staff/preview", {"body": "*hi*"}, "/")
    assert live.get_data(as_text=True).strip() == "<p><em>hi</em></p>"


def test_an_edited_update_keeps_its_earlier_text_and_says_edited(
    app, signed_in, staff, make, client_browser, post_form
):
    project = make.project("Acme Corp")
    update = make.update(project, author=staff, body="Launch on Fridya.")
    browser = signed_in("priya@firm.example")
    response = post_form(browser, f"/staff/updates/{update.id}/edit",
                         {"body": "Launch on Friday.", "internal_note": ""})
    assert response.status_code == 302
    page = client_browser().get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Launch on Friday." in page and "Fridya" not in page and ">edited</span>" in page
    with app.app_context():
        revision = db.session.scalars(select(UpdateRevision)).one()
        assert revision.body == "Launch on Fridya."


def test_an_internal_note_is_for_staff_only(app, signed_in, staff, make, client_browser,
                                            post_form):
    project = make.project("Acme Corp")
    browser = signed_in("priya@firm.example")
    post_form(browser, f"/staff/projects/{project.id}/updates/new",
              _form(project, body="All good.", internal_note="Client CFO is nervous ZX81Q"))
    assert "ZX81Q" in browser.get(f"/projects/{project.id}").get_data(as_text=True)
    client = client_browser()
    for path in ("/", "/live", f"/projects/{project.id}", f"/projects/{project.id}/live"):
        assert "ZX81Q" not in client.get(path).get_data(as_text=True), path


def test_milestones_change_with_the_update(app, signed_in, staff, make, post_form):
    other = make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    project = make.project("Acme Corp", eta_in_days=60)
    design = make.milestone(project, title="Design", owner=staff, planned_in_days=5)
    build = make.milestone(project, title="Build", owner=staff, planned_in_days=20)
    browser = signed_in("priya@firm.example")
    path = f"/staff/projects/{project.id}/updates/new"
    later = (date.today() + timedelta(days=30)).isoformat()
    form = _form(project, body="Design signed off; build moves.", **{
        "milestones-0-milestone_id": design.id, "milestones-0-owner_id": staff.id,
        "milestones-0-completed_on": date.today().isoformat(),
        "milestones-1-milestone_id": build.id, "milestones-1-owner_id": other.id,
        "milestones-1-eta": later, "milestones-1-reason": "",
    })
    refused = post_form(browser, path, form)
    assert refused.status_code == 422 and "say why" in refused.get_data(as_text=True)
    assert count_rows(app, StatusUpdate) == 0

    form["milestones-1-reason"] = "Design took a second round"
    assert post_form(browser, path, form).status_code == 302
    with app.app_context():
        assert db.session.get(Milestone, design.id).completed_on == date.today()
        moved = db.session.get(Milestone, build.id)
        assert (moved.eta.isoformat(), moved.owner_id) == (later, other.id)


def test_a_script_publishes_an_update_and_its_milestone_changes_in_one_call(app, staff, make):
    """The page, the CLI and scripts publish through the one service: the update and its
    milestone changes are checked and written together, or, refused, none of them is."""
    other = make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    project = make.project("Acme Corp", eta_in_days=60)
    design = make.milestone(project, title="Design", owner=staff, planned_in_days=5)
    build = make.milestone(project, title="Build", owner=staff, planned_in_days=20)
    later = date.today() + timedelta(days=30)
    changes = [MilestoneChange(design.id, completed_on=date.today()),
               MilestoneChange(build.id, eta=later, owner_id=other.id)]
    with app.app_context():
        with pytest.raises(ProjectError, match="say why") as refused:
            publish_update(db.session.get(Project, project.id),
                           author=db.session.get(User, staff.id), body="Build moves.",
                           status=ProjectStatus.ON_TRACK, milestones=changes)
        assert (refused.value.milestone_id, refused.value.field) == (build.id, "reason")
        db.session.rollback()
    assert count_rows(app, StatusUpdate) == 0 and count_rows(app, EtaChange) == 0

    changes[1] = MilestoneChange(build.id, eta=later, owner_id=other.id,
                                 reason="Design took a second round")
    with app.app_context():
        update = publish_update(db.session.get(Project, project.id),
                                author=db.session.get(User, staff.id), body="Build moves.",
                                status=ProjectStatus.ON_TRACK, milestones=changes)
        db.session.commit()
        published_at = update.published_at
    with app.app_context():
        assert db.session.get(Milestone, design.id).completed_on == date.today()
        moved = db.session.get(Milestone, build.id)
        assert (moved.eta, moved.owner_id) == (later, other.id)
        change = db.session.scalars(select(EtaChange)).one()
        assert (change.milestone_id, change.reason) == (build.id, "Design took a second round")
        assert change.changed_at == published_at


def test_a_milestone_of_another_project_cannot_be_slipped_into_the_form(app, signed_in, staff,
                                                                        make, post_form):
    project = make.project("Acme Corp")
    foreign = make.milestone(make.project("Globex"), title="Theirs")
    response = post_form(signed_in("priya@firm.example"),
                         f"/staff/projects/{project.id}/updates/new",
                         _form(project, body="x", **{
                             "milestones-0-milestone_id": foreign.id,
                             "milestones-0-completed_on": date.today().isoformat()}))
    assert response.status_code == 422 and "not this project" in response.get_data(as_text=True)
    assert count_rows(app, StatusUpdate) == 0
    with app.app_context():
        assert db.session.get(Milestone, foreign.id).completed_on is None


def test_staff_home_lists_overdue_updates_most_overdue_first(signed_in, staff, make):
    late = make.project("Acme Corp", name="Very late", update_cadence_days=7)
    less_late = make.project("Globex", name="A bit late", update_cadence_days=7)
    soon = make.project("Initech", name="Due soon", update_cadence_days=7)
    fresh = make.project("Umbrella", name="Fresh", update_cadence_days=30)
    now = datetime.now(UTC)
    make.update(late, author=staff, published_at=now - timedelta(days=20))
    make.update(less_late, author=staff, published_at=now - timedelta(days=9))
    make.update(soon, author=staff, published_at=now - timedelta(days=6))
    make.update(fresh, author=staff, published_at=now - timedelta(days=1))
    page = signed_in("priya@firm.example").get("/").get_data(as_text=True)
    section = page.split("Updates owed to clients")[1].split("Questions waiting")[0]
    assert section.index("Very late") < section.index("A bit late") < section.index("Due soon")
    assert "13 days overdue" in section and "Fresh" not in section
