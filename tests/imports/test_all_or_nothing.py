"""An import is one transaction: a failure after some rows were written leaves none of them."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.extensions import db
from portal.imports import services
from portal.projects.models import Milestone, Project
from tests.support.rows import count_rows

SOON = date.today() + timedelta(days=60)


class DiskFull(RuntimeError):
    """The fault injected after the rows were written, before the commit."""


def fail_when_audited(monkeypatch) -> None:
    """The audit record is written last: failing there fails an import mid-apply."""

    def record(*args, **kwargs):
        db.session.flush()  # the rows really were written to the transaction
        raise DiskFull("no space left on device")

    monkeypatch.setattr(services.audit, "record", record)


def test_a_failure_mid_import_from_the_shell_leaves_the_database_as_it_was(
        app, staff, run_import, monkeypatch):
    assert run_import("account_id,name\nA-1,Initech\n").exit_code == 0
    assert run_import("project_id,account_id,name,eta\n"
                      f"P-1,A-1,Network upgrade,{SOON}\n").exit_code == 0
    with app.app_context():
        version = db.session.scalar(select(Project.version))
    fail_when_audited(monkeypatch)

    result = run_import("milestone_id,project_id,title\nM-1,P-1,Survey\nM-2,P-1,Go-live\n")
    changed = run_import("project_id,account_id,name\nP-1,A-1,Network upgrade v2\n")

    assert isinstance(result.exception, DiskFull)
    assert isinstance(changed.exception, DiskFull)
    assert count_rows(app, Milestone) == 0
    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        assert (project.name, project.version) == ("Network upgrade", version)


def test_a_failure_mid_confirm_writes_nothing_and_the_preview_can_be_confirmed_again(
        app, admin, upload, confirm, monkeypatch):
    preview = upload(admin, b"account_id,name\r\nA-1,Initech\r\nA-2,Globex\r\n")
    with monkeypatch.context() as patched:
        fail_when_audited(patched)
        with pytest.raises(DiskFull):
            confirm(admin, preview.get_data(as_text=True))
    assert count_rows(app, Organization) == 0

    assert confirm(admin, preview.get_data(as_text=True)).status_code == 302
    assert count_rows(app, Organization) == 2
