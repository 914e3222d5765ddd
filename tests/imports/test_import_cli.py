"""`flask --app portal import FILE.csv [--dry-run]`: the same plan as the page, from a shell."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.projects.models import Milestone, Project
from tests.imports.conftest import example
from tests.support.rows import count_rows

ACCOUNTS = "account_id,name,timezone,owner_email\nA-1,Initech,Europe/Berlin,staff@demo.example\n"


def test_a_dry_run_shows_the_plan_and_writes_nothing(app, staff, run_import):
    result = run_import(ACCOUNTS, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "row 2: create A-1 Initech" in result.output
    assert "timezone: '' -> 'Europe/Berlin'" in result.output
    assert "Dry run, nothing written: file.csv: accounts: 1 created" in result.output
    assert count_rows(app, Organization) == 0


def test_an_import_writes_the_plan_and_running_it_again_changes_nothing(app, staff, run_import):
    first = run_import(ACCOUNTS, "--by", "admin@demo.example")
    assert first.exit_code == 0, first.output
    assert "Imported file.csv: accounts: 1 created, 0 changed, 0 unchanged." in first.output

    second = run_import(ACCOUNTS)
    assert "Nothing to change, nothing written: file.csv: accounts: 0 created, 0 changed, " \
           "1 unchanged." in second.output
    assert count_rows(app, Organization) == 1
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "import.applied").order_by(AuditEvent.id)).all()
        assert [(e.actor_email, e.summary) for e in events] == [
            ("admin@demo.example", "file.csv: accounts: 1 created, 0 changed, 0 unchanged")]


def test_a_file_with_errors_fails_lists_them_and_writes_nothing(app, staff, run_import):
    result = run_import(example("accounts"), name="import-accounts.csv")

    assert result.exit_code == 1
    assert "row 5, timezone: 'Mars/Olympus' is not a timezone" in result.output
    assert "Nothing was imported: fix the problems above" in result.output
    assert count_rows(app, Organization) == 0


def test_only_an_admin_is_named_in_the_log(app, staff, run_import):
    result = run_import(ACCOUNTS, "--by", "staff@demo.example")
    assert result.exit_code == 2
    assert "staff@demo.example is not an admin" in result.output
    assert count_rows(app, Organization) == 0


def test_the_example_files_read_and_show_their_deliberate_errors(staff, run_import):
    expected = {
        "accounts": ["row 5, timezone:", "row 6, owner_email:"],
        "contacts": ["row 5, email: 'bob(at)umbrella.example' is not an email address",
                     "row 6, account_id: 'CRM-9999' is not an account here"],
        "projects": ["row 4, eta: '31/02/2027' is not a date", "row 5, status: 'green'"],
        "milestones": ["row 2, project_id: 'PRJ-3001' is not a project here"],
    }
    for kind, errors in expected.items():
        output = run_import(example(kind), "--dry-run", name=f"import-{kind}.csv").output
        for error in errors:
            assert error in output, (kind, output)


def test_the_four_example_files_fixed_import_in_order(app, staff, run_import):
    fixes = {
        "accounts": [(b"Mars/Olympus", b"America/Los_Angeles"),
                     (b"nobody@demo.example", b"staff@demo.example")],
        "contacts": [(b"bob(at)umbrella", b"bob@umbrella"), (b"CRM-9999", b"CRM-1005")],
        "projects": [(b"31/02/2027", b"28/02/2027"), (b"green", b"on_track")],
        "milestones": [(b"Go-live,0", b"Go-live,1"), (b"2099-12-01", b"")],
    }
    later = date.today() + timedelta(days=400)
    for kind, replacements in fixes.items():
        content = example(kind)
        for old, new in replacements:
            content = content.replace(old, new)
        content = content.replace(b"2027-", f"{later.year}-".encode())
        content = content.replace(b"/2027", f"/{later.year}".encode())
        result = run_import(content, name=f"import-{kind}.csv")
        assert result.exit_code == 0, result.output
        assert "0 unchanged" in result.output
        again = run_import(content, name=f"import-{kind}.csv").output
        assert "0 created, 0 changed" in again and "Nothing to change" in again
    assert count_rows(app, Organization) == 5
    assert count_rows(app, User, User.external_id.is_not(None)) == 5
    assert count_rows(app, Project, Project.external_id.is_not(None)) == 4
    assert count_rows(app, Milestone, Milestone.external_id.is_not(None)) == 6


def test_a_client_sees_the_projects_imported_for_their_account_and_no_other(
        staff, run_import, make, signed_in):
    run_import("account_id,name\nA-1,Initech\nA-2,Globex\n")
    later = date.today() + timedelta(days=90)
    run_import("project_id,account_id,name,eta\n"
               f"P-1,A-1,Network upgrade,{later}\nP-2,A-2,Globex secret plan,{later}\n")
    make.user("peter@initech.example", organization="Initech")

    dashboard = signed_in("peter@initech.example").get("/").get_data(as_text=True)

    assert "Network upgrade" in dashboard
    assert "Globex secret plan" not in dashboard
