"""The demo data a new user sees after `make run`."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.devdata import demo
from portal.extensions import db
from tests.conftest import sign_in


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_loading_the_demo_twice_creates_nothing_twice(app):
    with app.app_context():
        assert demo.load_demo() is True
        db.session.commit()
        first = _row_counts()
        assert demo.load_demo() is False
        db.session.commit()
        assert _row_counts() == first
        assert first["status_update"] >= 30 and first["eta_change"] >= 5


def test_the_demo_has_the_accounts_and_history_the_design_promises(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        organizations = {
            o.name: o for o in db.session.scalars(
                select(Organization).options(selectinload(Organization.projects))
            )
        }
        acme, globex = organizations["Acme Corp"], organizations["Globex"]
        assert len(acme.projects) >= 3 and len(globex.projects) >= 2
        assert any(p.is_closed and p.closeout and p.closeout.is_published for p in acme.projects)
        assert any("placement" in p.name.lower() for p in acme.projects)
        published = [u.published_at for p in acme.projects for u in p.updates]
        assert (max(published) - min(published)).days > 90
        assert any(c.reason for p in acme.projects for c in p.eta_changes)


def test_a_demo_client_signs_in_and_sees_only_acme(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
    browser = app.test_client()
    assert sign_in(browser, "client@acme.example", demo.DEFAULT_PASSWORD).status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "Customer portal rebuild" in page and "Data warehouse migration" in page
    assert "Network refresh" not in page and "Security audit" not in page
    # Their own low answer of last week, followed up: the loop closed, asking if it fixed it.
    assert "we call you the same day a date changes" in page and "Did this fix it?" in page
    assert "stand-up" not in page  # the internal note stays internal


def test_the_demo_command_prints_the_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--password", "another-demo-password"])
    assert result.exit_code == 0, result.output
    for email in ("admin@demo.example", "staff@demo.example", "client@acme.example",
                  "client@globex.example"):
        assert email in result.output
    assert "another-demo-password" in result.output
    again = runner.invoke(args=["demo"])
    assert "nothing added" in again.output


def test_the_demo_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_create_user_makes_a_client_of_a_named_organisation(app, make):
    make.organization("Acme Corp")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "New@Acme.example", "--role", "client", "--org", "Acme Corp",
        "--password", "a long enough password",
    ])
    assert result.exit_code == 0, result.output
    browser = app.test_client()
    assert sign_in(browser, "new@acme.example", "a long enough password").status_code == 302


def test_create_user_refuses_an_unknown_organisation(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "x@y.example", "--role", "client", "--org", "Nowhere",
        "--password", "a long enough password",
    ])
    assert result.exit_code != 0
    assert "no organisation called 'Nowhere'" in result.output
