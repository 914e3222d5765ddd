"""SQL statements per page stay constant as an account's history grows.

This is a count, not a time, so it belongs in `make test`: a lazy load per row (an N+1) shows up
as a count that grows with the data. Statements are counted with a before_cursor_execute hook
on the app's engine around one request, after a warm-up request has connected the pool. A
client's first visit renders the page's live part; a repeat visit finds it cached
(portal/web/fragments.py), so both are counted.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.closeout.models import Closeout
from portal.extensions import db
from portal.projects.models import (
    Confidence,
    EtaChange,
    Milestone,
    Project,
    ProjectStatus,
    Question,
    QuestionKind,
    Reply,
    StatusUpdate,
)

DASHBOARD_MAX = 7  # a first visit (with a project at risk: its newest update says why)
DASHBOARD_CACHED_MAX = 1  # a repeat visit: the user, with the branding, the pulse banner and
# the dashboard's version (portal/web/facts.py)
PROJECT_PAGE_MAX = 13  # a client's first visit loads the live part and the threads after the
# project; staff load it all at once, and owner choices, pulse scores and the two-factor
# requirement (security settings)
PROJECT_PAGE_CACHED_MAX = 2  # a client's repeat visit: the user (with the branding and the
# pulse banner) and the project
LIVE_304_MAX = {"/live": 1, "project": 2}  # the user with the dashboard's version; the user
# and the project's version


@contextmanager
def counted(app) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, browser, path: str, *, warm_up: str | None = None,
                   **headers) -> list[str]:
    """The statements one GET runs, after a warm-up GET (by default of the same path, which
    also fills the page cache) so connecting is not counted."""
    browser.get(warm_up or path, headers=headers)
    with counted(app) as statements:
        response = browser.get(path, headers=headers)
    assert response.status_code in (200, 304), (path, response.status_code)
    return statements


def first_visit_statements(app, browser, path: str) -> list[str]:
    """The statements of a first visit to the page: nothing of it cached yet."""
    return statements_for(app, browser, path, warm_up="/healthz")


@pytest.fixture
def staff_members(make) -> list[User]:
    """Twelve staff, so owners, contacts and authors differ from row to row."""
    return [make.user(f"staff{i}@firm.example", role=Role.STAFF) for i in range(12)]


def _at(days_ago: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days_ago, hours=1)


def add_history(project: Project, staff: list[User], *, updates: int, milestones: int = 4,
                questions: int = 3, client: User | None = None) -> None:
    """Milestones with owners, ETA changes, updates and question threads, by rotating staff."""
    today = date.today()
    for i in range(milestones):
        owner = staff[i % len(staff)]
        done = today - timedelta(days=10) if i % 2 == 0 else None
        project.milestones.append(Milestone(
            title=f"Step {i}", position=i, owner_id=owner.id, planned_on=today + timedelta(i),
            eta=today + timedelta(days=i + 3), completed_on=done))
    db.session.flush()
    for i, milestone in enumerate(project.milestones):
        db.session.add(EtaChange(
            project=project, milestone=milestone, old_eta=milestone.planned_on,
            new_eta=milestone.eta, reason="Supplier late", changed_by_id=staff[i % 12].id,
            changed_at=_at(20 + i)))
    for i in range(updates):
        db.session.add(StatusUpdate(
            project=project, author_id=staff[i % len(staff)].id, body=f"Update **{i}**.",
            status=ProjectStatus.AT_RISK if project.status == ProjectStatus.AT_RISK
            else ProjectStatus.ON_TRACK, eta=project.eta, eta_confidence=Confidence.MEDIUM,
            published_at=_at(updates - i), internal_note="note" if i % 3 == 0 else None))
    for i in range(questions):
        question = Question(project=project, author_id=client.id if client else None,
                            kind=QuestionKind.QUESTION, body=f"Question {i}?", asked_at=_at(9))
        question.replies = [Reply(author_id=staff[(i + k) % 12].id, body="Answer.",
                                  posted_at=_at(8)) for k in range(2)]
        db.session.add(question)


def build_account(app, staff: list[User], name: str, projects: int) -> None:
    """An account with `projects` projects: a third closed with a published closeout, a third
    at risk (their summaries read why from their newest update)."""
    with app.app_context():
        org = db.session.scalars(db.select(Organization).filter_by(name=name)).one()
        for i in range(projects):
            closed = i % 3 == 2
            project = Project(
                organization=org, name=f"{name} project {i}", contact_id=staff[i % 12].id,
                status=ProjectStatus.DONE if closed else ProjectStatus.AT_RISK if i % 3 == 1
                else ProjectStatus.ON_TRACK,
                eta=date.today() + timedelta(days=30 + i), started_on=date.today() - timedelta(60),
                closed_on=date.today() - timedelta(days=1) if closed else None)
            db.session.add(project)
            add_history(project, staff, updates=3, questions=1)
            if closed:
                db.session.add(Closeout(
                    project=project, summary="Done.", outcomes="As planned.",
                    care_contact_id=staff[0].id, care_next_steps="A call.",
                    published_at=_at(1)))
        db.session.commit()


@pytest.fixture
def dashboard_statements(app, make, signed_in, staff_members) -> Callable[[int], list[str]]:
    """The statements of the client dashboard for an account with n projects."""

    def run(n: int) -> tuple[list[str], list[str]]:
        name = f"Account with {n}"
        make.user(f"client{n}@client.example", organization=name)
        build_account(app, staff_members, name, n)
        browser = signed_in(f"client{n}@client.example")
        return first_visit_statements(app, browser, "/"), statements_for(app, browser, "/")

    return run


def test_the_dashboard_costs_the_same_statements_for_50_projects_as_for_5(dashboard_statements):
    (few, few_cached), (many, many_cached) = dashboard_statements(5), dashboard_statements(50)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= DASHBOARD_MAX, "\n".join(many)
    assert len(many_cached) == len(few_cached) <= DASHBOARD_CACHED_MAX, "\n".join(many_cached)


def project_with_updates(app, make, staff: list[User], updates: int) -> tuple[int, str]:
    """A project of its own account with `updates` updates; its id and a client's email."""
    email = f"reader{updates}@client.example"
    client = make.user(email, organization=f"Readers {updates}")
    with app.app_context():
        org = db.session.get(User, client.id).organization
        project = Project(organization=org, name="Long history", contact_id=staff[0].id,
                          eta=date.today() + timedelta(days=90),
                          started_on=date.today() - timedelta(days=700))
        db.session.add(project)
        add_history(project, staff, updates=updates, milestones=min(updates, 12),
                    questions=min(updates, 10), client=db.session.get(User, client.id))
        db.session.commit()
        return project.id, email


@pytest.mark.parametrize("role", ["client", "staff"])
def test_the_project_page_costs_the_same_statements_for_200_updates_as_for_5(
    app, make, signed_in, staff_members, role
):
    counts = []
    for updates in (5, 200):
        project_id, email = project_with_updates(app, make, staff_members, updates)
        browser = signed_in(email if role == "client" else staff_members[0].email)
        statements = first_visit_statements(app, browser, f"/projects/{project_id}")
        again = statements_for(app, browser, f"/projects/{project_id}")
        counts.append((len(statements), len(again)))
        assert len(statements) <= PROJECT_PAGE_MAX, "\n".join(statements)
        if role == "client":
            assert len(again) <= PROJECT_PAGE_CACHED_MAX, "\n".join(again)
    assert counts[0] == counts[1]


def test_an_unchanged_live_refresh_costs_one_statement_or_two_for_a_project(
    app, make, signed_in, staff_members
):
    project_id, email = project_with_updates(app, make, staff_members, 20)
    browser = signed_in(email)
    for path in ("/live", f"/projects/{project_id}/live"):
        etag = browser.get(path).headers["ETag"]
        statements = statements_for(app, browser, path, **{"If-None-Match": etag})
        assert browser.get(path, headers={"If-None-Match": etag}).status_code == 304
        limit = LIVE_304_MAX.get(path, LIVE_304_MAX["project"])
        assert len(statements) <= limit, "\n".join(statements)


def test_a_long_timeline_shows_the_newest_updates_and_a_link_to_all(
    app, make, signed_in, staff_members
):
    project_id, email = project_with_updates(app, make, staff_members, 30)
    browser = signed_in(email)
    page = browser.get(f"/projects/{project_id}").get_data(as_text=True)
    assert page.count('class="card update"') == 20
    assert "Update **29**" not in page and "Update <strong>29</strong>" in page
    assert "Update <strong>9</strong>" not in page
    assert "Show all 30 updates" in page
    everything = browser.get(f"/projects/{project_id}?updates=all").get_data(as_text=True)
    assert everything.count('class="card update"') == 30
    assert "Show all" not in everything
    assert "updates=all" in everything  # the live refresh keeps showing all of them
