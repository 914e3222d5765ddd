"""What the client sees: the dashboard, the track record, the ETA history and live refresh."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.accounts import services as account_services
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth.models import Role, UpdateEmails, User
from portal.closeout import services as closeout_services
from portal.closeout.models import Closeout
from portal.content.models import ProcessStep
from portal.extensions import db
from portal.health import reviews as health_reviews
from portal.health import snapshots as health_snapshots
from portal.health.models import Mood
from portal.projects import funnel, milestones, questions, track_record
from portal.projects import services as project_services
from portal.projects.models import (
    EtaChange,
    FunnelStage,
    Milestone,
    Project,
    ProjectStatus,
    Question,
    Reply,
    SelectionCount,
    StatusUpdate,
    UpdateRevision,
)
from portal.selection import decisions, erasure, interviews, profiles, shortlists
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    CandidateScreeningStep,
    CandidateStatusChange,
    DecisionKind,
    Shortlist,
    ShortlistEntry,
)
from portal.selection.placement_models import Interview, InterviewSlot
from portal.web.changes import client_visible_models


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
    assert "Next: Build (ETA " in page and ", with Priya Nair." in page
    assert "just now" in page and "next update expected by" in page
    # One delivery: below the default minimum of 5, so the page says so instead of "100%".
    assert "too few to show (1 so far)" in page and "delivered by the first date promised" in page


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


# What a client sees, changed the ways the portal changes it: each story names the models it
# changes, and every model marked ClientVisible or ShownPerson must be in one, so a new model
# clients see cannot be left out of this test (nor, so, out of the change tracker).
def _stories(ids: dict) -> list[tuple[str, tuple[type, ...], Callable[[], None]]]:
    def get(model, key=None):
        return db.session.get(model, ids[key or model.__name__])

    def staff():
        return get(User, "staff")

    def later_eta():
        milestone = get(Milestone)
        return project_services.move_milestone_eta(
            milestone, eta=milestone.eta + timedelta(days=3), reason="The venue moved", by=staff())

    def add_step():
        ids["extra"] = project_services.add_milestone(get(Project), title="Extra").id

    def delete_step():
        extra = get(Milestone, "extra")
        milestones.delete_milestone(extra, stamp=milestones.milestone_stamp(extra), by=staff())

    def rename_step():
        milestone = get(Milestone)
        milestones.edit_milestone(milestone, title="Design, mended", by=staff(),
                                  stamp=milestones.milestone_stamp(milestone))

    def publish():
        ids["StatusUpdate"] = project_services.publish_update(
            get(Project), author=staff(), body="Design signed off.",
            status=ProjectStatus.AT_RISK).id

    def ask():
        ids["Question"] = questions.ask_question(get(Project), author=get(User, "client"),
                                                 body="When is the demo?").id

    def close_out():
        project = get(Project)
        for milestone in project.milestones:
            milestone.completed_on = date.today()
        closeout_services.publish_closeout(
            project, care_contact=get(User, "care"), summary="Delivered.", outcomes="All of it.",
            care_next_steps="A call in a month.", by=staff())

    def rename_person(key):
        return lambda: auth_services.update_settings(
            get(User, key), name=f"{get(User, key).name} Jr", phone="+44 20 7946 0000",
            timezone=None, update_emails=UpdateEmails.IMMEDIATE)

    def add_candidate():
        ids["Candidate"] = profiles.add_candidate(
            get(Project), by=staff(), display_name="Maria Silva", sourced_on=date.today()).id

    def propose_times():
        ids["Interview"] = interviews.propose(
            get(Candidate), by=staff(), minutes=45, where=None,
            starts=[datetime.now(UTC) + timedelta(days=d) for d in (7, 8)]).id

    def screen_candidate():
        step = ProcessStep(position=99, title="Structured interview")
        db.session.add(step)
        profiles.add_screening_step(get(Candidate), step=step, passed_on=date.today(),
                                     run_by=staff(), by=staff())

    def set_attr(model, key, **values):
        return lambda: [setattr(get(model, key), name, v) for name, v in values.items()]

    return [
        ("a project renamed", (Project,), set_attr(Project, None, name="Portal rebuild")),
        ("another contact named", (Project,), lambda: setattr(get(Project), "contact",
                                                               get(User, "care"))),
        ("a step added", (Milestone,), add_step),
        ("a step owner's new name and phone", (User,), rename_person("owner")),
        ("a step's ETA moved, with a reason", (Milestone, EtaChange), later_eta),
        ("an ETA move's reason mended", (EtaChange,),
         lambda: setattr(get(Project).eta_changes[0], "reason", "The venue moved again")),
        ("a step reassigned", (Milestone,),
         lambda: project_services.reassign_milestone(get(Milestone), owner=get(User, "care"),
                                                     by=staff())),
        ("a step renamed", (Milestone,), rename_step),
        ("a step deleted", (Milestone,), delete_step),
        ("an update published", (StatusUpdate, Project), publish),
        ("an update corrected", (StatusUpdate, UpdateRevision),
         lambda: project_services.edit_update(get(StatusUpdate), editor=staff(),
                                              body="Design signed off by Jordan.",
                                              internal_note=None)),
        ("a question asked", (Question,), ask),
        ("a question answered", (Reply, Question),
         lambda: questions.reply_to(get(Question), author=staff(), body="Next Tuesday.")),
        ("the funnel recorded", (SelectionCount,),
         lambda: funnel.record_funnel(get(Project), counts={FunnelStage.SOURCED: 40},
                                      on=date.today(), by=staff())),
        ("the funnel corrected", (SelectionCount,),
         lambda: funnel.record_funnel(get(Project), counts={FunnelStage.SOURCED: 42},
                                      on=date.today(), by=staff())),
        ("a candidate added", (Candidate, CandidateStatusChange), add_candidate),
        ("a candidate screened", (CandidateScreeningStep,), screen_candidate),
        ("a shortlist presented", (Shortlist, ShortlistEntry),
         lambda: shortlists.present_shortlist(get(Project), [get(Candidate)], by=staff())),
        ("the client decided", (CandidateDecision,), lambda: decisions.decide(
            get(Candidate), decisions.DecisionInput(DecisionKind.INVITE), by=get(User, "client"))),
        ("interview times proposed", (Interview, InterviewSlot), propose_times),
        ("an interview booked", (Interview,),
         lambda: interviews.book(get(Interview), position=1, by=get(User, "client"))),
        ("a candidate erased", (Candidate,),
         lambda: erasure.erase_candidate(get(Candidate), by=staff())),
        ("a question withdrawn", (Question, Reply), lambda: db.session.delete(get(Question))),
        ("the contact's new name and phone", (User,), rename_person("care")),
        ("the project closed out", (Closeout, Project, Milestone), close_out),
        ("the closeout corrected", (Closeout,), lambda: closeout_services.edit_closeout(
            get(Project).closeout, care_contact=get(User, "care"), summary="Delivered early.",
            outcomes="All of it.", care_next_steps="A call in a month.", by=staff())),
        ("the client-care contact's new name", (User,), rename_person("care")),
        ("the account renamed", (Organization,),
         lambda: setattr(get(Project).organization, "name", "Acme Corporation")),
        ("the account's timezone", (Organization,),
         lambda: setattr(get(Project).organization, "timezone", "Asia/Tokyo")),
        ("the account archived", (Organization,),
         lambda: account_services.set_archived(get(Project).organization, True, by=staff())),
    ]


@contextmanager
def _models_written(app) -> Iterator[set[type]]:
    """The mapped classes whose rows the session writes inside the block, flushed or in bulk."""
    written: set[type] = set()

    def flushed(session, context, instances) -> None:
        written.update(type(row) for row in (*session.new, *session.dirty, *session.deleted))

    def bulk(state) -> None:
        if (state.is_update or state.is_delete) and state.bind_mapper is not None:
            written.add(state.bind_mapper.class_)

    event.listen(db.session, "before_flush", flushed)
    event.listen(db.session, "do_orm_execute", bulk)
    try:
        yield written
    finally:
        event.remove(db.session, "before_flush", flushed)
        event.remove(db.session, "do_orm_execute", bulk)


def test_every_change_a_client_can_see_bumps_the_project_version(app, staff, jordan, make):
    care = make.user("sam@firm.example", role=Role.STAFF, name="Sam Care")
    owner = make.user("omar@firm.example", role=Role.STAFF, name="Omar Owner")
    project = make.project("Acme Corp", contact=staff)
    milestone = make.milestone(project, owner=owner)
    ids = {"Project": project.id, "Milestone": milestone.id, "staff": staff.id, "care": care.id,
           "owner": owner.id, "client": jordan.id}
    stories = _stories(ids)
    told = {model for _, models, _ in stories for model in models}
    assert told >= {*client_visible_models(), User, Organization}, (
        "a model clients see has no story here")
    for story, models, change in stories:
        with app.app_context():
            before = db.session.get(Project, project.id).version
            with _models_written(app) as written:
                change()
                db.session.commit()
            assert written >= set(models), story
            assert db.session.get(Project, project.id).version > before, story


def test_what_only_staff_see_leaves_the_clients_copy_alone(app, staff, jordan, make):
    project = make.project("Acme Corp", contact=staff)
    update = make.update(project, author=staff, body="Design signed off.",
                         status=ProjectStatus.DONE)
    make.closeout(project, contact=staff)
    with app.app_context():
        author = db.session.get(User, staff.id)
        before = db.session.get(Project, project.id).version
        project_services.edit_update(db.session.get(StatusUpdate, update.id), editor=author,
                                     body="Design signed off.", internal_note="Sponsor leaves")
        db.session.commit()
        health_snapshots.snapshot_week(date.today())
        health_reviews.record_review(db.session.get(Project, project.id).organization, by=author,
                             mood=Mood.WATCH, note="Quiet week.", next_action="Call",
                             next_action_on=date.today() + timedelta(days=7))
        auth_services.update_settings(author, name=author.name, phone=author.phone,
                                      timezone="Europe/Paris", update_emails=UpdateEmails.NONE)
        db.session.commit()
        closeout_services.closeout_pdf(db.session.get(Project, project.id).closeout)  # cached
        db.session.commit()
        stored = db.session.get(Project, project.id)
        assert stored.closeout.pdf is not None and stored.version == before
        assert db.session.get(StatusUpdate, update.id).internal_note == "Sponsor leaves"


def test_dates_are_shown_in_the_clients_timezone(app, signed_in, staff, make):
    make.organization("Tokyo Client", timezone="Asia/Tokyo")
    make.user("ken@tokyo.example", organization="Tokyo Client")
    project = make.project("Tokyo Client")
    make.update(project, author=staff, body="Hello",
                published_at=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    page = signed_in("ken@tokyo.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'title="2 Nov 2026, 05:00 JST"' in page


def test_the_track_record_counts_one_question_one_gap_and_two_updates_in_the_singular(
    signed_in, staff, jordan, make
):
    project = make.project("Acme Corp")
    make.update(project, author=staff, body="Started.")
    make.update(project, author=staff, body="Going well.")
    question = make.question(project, author=jordan)
    with make.app.app_context():
        questions.reply_to(db.session.get(Question, question.id),
                           author=db.session.get(User, staff.id), body="Next week.")
        db.session.commit()
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "over the 1 gap between consecutive updates (2 updates so far)" in page
    assert "over the 1 question answered so far" in page
