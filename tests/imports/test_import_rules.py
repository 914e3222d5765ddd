"""What an import refuses and what it keeps: moves between clients, people who are staff,
extreme cells, dates; what clients see refreshes; contacts are not invited by it."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import EmailToken, Role, User
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.projects.models import EtaChange, Milestone, Project, ProjectStatus
from tests.support.rows import count_rows

SOON = date.today() + timedelta(days=60)
LATER = SOON + timedelta(days=30)
ACCOUNTS = ("account_id,name\nA-1,Initech\nA-2,Globex\n")
PROJECT_HEADER = "project_id,account_id,name,eta,contact_email\n"


def accounts_and_project(run_import, account: str = "A-1") -> None:
    assert run_import(ACCOUNTS).exit_code == 0
    result = run_import(PROJECT_HEADER + f"P-1,{account},Network upgrade,{SOON},"
                        "staff@demo.example\n")
    assert result.exit_code == 0, result.output


def version_of(app, external_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Project.version).where(
            Project.external_id == external_id))


def test_a_project_is_never_moved_to_another_account(app, staff, run_import):
    accounts_and_project(run_import)

    result = run_import(PROJECT_HEADER + f"P-1,A-2,Network upgrade,{SOON},\n")

    assert result.exit_code == 1
    assert ("row 2, account_id: Network upgrade belongs to Initech: a project is never moved "
            "to another account") in result.output
    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        assert project.organization.name == "Initech"


def test_a_contact_is_never_moved_to_another_client(app, staff, run_import):
    run_import(ACCOUNTS)
    header = "contact_id,account_id,name,email\n"
    assert run_import(header + "C-1,A-1,Peter Gibbons,peter@initech.example\n").exit_code == 0

    moved = run_import(header + "C-1,A-2,Peter Gibbons,peter@initech.example\n")
    assert "row 2, account_id: Peter Gibbons is a contact of Initech: a contact is never " \
           "moved to another client" in moved.output
    staff_email = run_import(header + "C-2,A-1,Sam,staff@demo.example\n")
    assert "row 2, email: belongs to a member of staff" in staff_email.output
    taken = run_import(header + "C-3,A-2,Pete,peter@initech.example\n")
    assert "row 2, email: belongs to another contact (C-1)" in taken.output
    with app.app_context():
        peter = db.session.scalars(select(User).where(User.external_id == "C-1")).one()
        assert peter.organization.name == "Initech"
        assert count_rows(app, User, User.role == Role.CLIENT) == 1


def test_imported_contacts_are_told_to_need_inviting_but_are_not_sent_anything(
        app, staff, run_import):
    run_import(ACCOUNTS)
    result = run_import("contact_id,account_id,name,email\nC-1,A-1,Peter,peter@initech.example\n"
                        "C-2,A-1,Bill,bill@initech.example\n")

    assert result.output.count("note: will need inviting: the import sends no invitation") == 2
    assert count_rows(app, User, User.role == Role.CLIENT) == 2
    assert count_rows(app, EmailToken) == 0
    assert count_rows(app, OutboxMessage) == 0
    with app.app_context():
        assert db.session.scalars(select(User.password_hash).where(
            User.role == Role.CLIENT)).all() == [None, None]


def test_new_milestones_and_changed_projects_refresh_what_clients_see(app, staff, run_import):
    accounts_and_project(run_import)
    start = version_of(app, "P-1")

    header = "milestone_id,project_id,title,planned_on\n"
    assert run_import(header + f"M-1,P-1,Survey,{SOON}\nM-2,P-1,Go-live,{SOON}\n").exit_code == 0
    after_milestones = version_of(app, "P-1")
    assert after_milestones > start  # inserted in bulk, bumped explicitly

    run_import(PROJECT_HEADER + f"P-1,A-1,Network upgrade,{LATER},\n")
    after_eta = version_of(app, "P-1")
    assert after_eta > after_milestones
    run_import(header + "M-2,P-1,Go-live and handover,\n")  # a title clients read
    assert version_of(app, "P-1") > after_eta
    with app.app_context():
        positions = db.session.execute(select(Milestone.external_id, Milestone.position)
                                       .order_by(Milestone.position)).all()
        assert [tuple(p) for p in positions] == [("M-1", 0), ("M-2", 1)]
        assert db.session.scalar(select(Milestone.title).where(
            Milestone.external_id == "M-2")) == "Go-live and handover"
        moved = db.session.scalars(select(EtaChange)).one()
        assert (moved.old_eta, moved.new_eta, moved.reason) == (
            SOON, LATER, "Imported from file.csv")


def test_an_unchanged_row_bumps_nothing(app, staff, run_import):
    accounts_and_project(run_import)
    before = version_of(app, "P-1")
    run_import(PROJECT_HEADER + f"P-1,A-1,Network upgrade,{SOON},staff@demo.example\n")
    assert version_of(app, "P-1") == before


def test_extreme_cells_are_errors_on_their_row_or_kept_as_plain_text(app, staff, run_import):
    long_name = "N" * 10_000
    formula = "=cmd|' /C calc'!A0"
    result = run_import("account_id,name\n"
                        f"A-1,{long_name}\n"
                        f"A-2,\"{formula}\"\n"
                        "A-3,Tab\x01Co\n"
                        "A 4,Bad id\n"
                        "A-5,\n")

    assert "row 2, name: 10,000 characters, at most 120" in result.output
    assert "row 4, name: contains an invisible control character" in result.output
    assert "row 5, account_id: 'A 4' is not an id" in result.output
    assert "row 6, name: is required" in result.output
    assert count_rows(app, Organization) == 0

    assert run_import(f"account_id,name\nA-2,\"{formula}\"\n").exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Organization.name)) == formula


def test_dates_are_checked_for_what_they_are(app, staff, run_import):
    run_import(ACCOUNTS)
    result = run_import(PROJECT_HEADER
                        + "P-1,A-1,One,31/02/2026,\n"
                        + "P-2,A-1,Two,1999-12-31,\n"
                        + f"P-3,A-1,Three,{date.today() - timedelta(days=1)},\n"
                        + f"P-4,A-1,Four,{SOON:%d/%m/%Y},\n"
                        + f"P-5,A-9,Five,{SOON},\n"
                        + f"P-6,A-1,Four,{SOON},\n")

    assert "row 2, eta: '31/02/2026' is not a date" in result.output
    assert "row 3, eta: '1999-12-31' is outside 2000–2099" in result.output
    assert "row 4, eta: " in result.output and "is in the past for an open project" \
        in result.output
    assert "row 5," not in result.output  # DD/MM/YYYY is a date too
    assert "row 6, account_id: 'A-9' is not an account here" in result.output
    assert "row 7, name: 'Four' is also on row 5" in result.output
    assert count_rows(app, Project) == 0


def test_a_milestone_place_is_once_per_project_and_a_closed_project_does_not_change(
        app, staff, run_import):
    accounts_and_project(run_import)
    header = "milestone_id,project_id,title,position\n"
    taken = run_import(header + "M-1,P-1,Survey,0\nM-2,P-1,Go-live,0\n")
    assert "row 3, position: 0 is already taken by row 2" in taken.output
    assert run_import(header + "M-1,P-1,Survey,0\n").exit_code == 0
    assert "row 2, position: 0 is already taken by Survey" in run_import(
        header + "M-9,P-1,Kick-off,0\n").output

    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        project.status, project.closed_on = ProjectStatus.DONE, date.today()
        db.session.commit()
    renamed = run_import(PROJECT_HEADER + "P-1,A-1,Network upgrade (phase 1),,\n")
    assert "Network upgrade is closed: its record is history" in renamed.output
    late_step = run_import(header + "M-3,P-1,Handover,\n")
    assert "row 2, project_id: Network upgrade is closed: its steps do not change" \
        in late_step.output
    assert count_rows(app, Milestone) == 1
