"""An admin previews a file at /admin/import, fixes its errors, confirms, and imports again."""

import html
import re

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.imports.layouts import KINDS
from tests.conftest import csrf_token
from tests.imports.conftest import confirm_fields, example
from tests.support.rows import count_rows

FIXED_ACCOUNTS = (example("accounts").replace(b"Mars/Olympus", b"America/Los_Angeles")
                  .replace(b"nobody@demo.example", b"staff@demo.example"))


def page_text(response) -> str:
    """The page's words as a person reads them: tags dropped, spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(words).split())


def test_the_preview_shows_each_error_on_its_row_and_column_and_writes_nothing(
        app, admin, upload, make):
    make.organization("Acme Corp")
    before = count_rows(app, Organization)

    response = upload(admin, example("accounts"), "import-accounts.csv")

    page = page_text(response)
    assert response.status_code == 200
    assert "row 5, timezone: 'Mars/Olympus' is not a timezone" in page
    assert "row 6, owner_email: no member of staff has the email 'nobody@demo.example'" in page
    assert "2 to create, 1 to change, 0 unchanged, 2 with errors" in page
    assert "matches the existing account Acme Corp by name" in page
    assert 'action="/admin/import/confirm"' not in page  # nothing to confirm with errors
    assert count_rows(app, Organization) == before


def test_a_fixed_file_is_confirmed_audited_and_a_second_import_changes_nothing(
        app, admin, upload, confirm, make):
    make.organization("Acme Corp")
    preview = upload(admin, FIXED_ACCOUNTS, "import-accounts.csv")
    assert "4 to create, 1 to change, 0 unchanged, 0 with errors" in page_text(preview)

    done = confirm(admin, preview.get_data(as_text=True))

    assert done.status_code == 302
    with app.app_context():
        accounts = {o.external_id: o for o in db.session.scalars(select(Organization))}
        assert sorted(accounts) == ["CRM-1001", "CRM-1002", "CRM-1003", "CRM-1004", "CRM-1005"]
        assert accounts["CRM-1001"].name == "Acme Corp"  # adopted, not duplicated
        assert accounts["CRM-1004"].name == "Hooli, Inc."
        assert accounts["CRM-1004"].timezone == "America/Los_Angeles"
        assert accounts["CRM-1002"].account_owner.email == "staff@demo.example"
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "import.applied")).one()
        assert event.actor_email == "admin@demo.example"
        assert event.summary == ("import-accounts.csv: accounts: 4 created, 1 changed, "
                                 "0 unchanged")
    assert "Imported import-accounts.csv" in page_text(admin.get("/admin/import"))

    again = page_text(upload(admin, FIXED_ACCOUNTS, "import-accounts.csv"))
    assert "0 to create, 0 to change, 5 unchanged, 0 with errors" in again
    assert "Nothing to change" in again


def test_an_edited_file_says_what_changes_old_to_new_and_changes_only_that(
        app, admin, upload, confirm):
    confirm(admin, upload(admin, FIXED_ACCOUNTS).get_data(as_text=True))
    edited = FIXED_ACCOUNTS.replace(b"CRM-1002,Initech,America/Chicago",
                                    b"CRM-1002,Initech Ltd,Europe/London")

    preview = upload(admin, edited)
    page = page_text(preview)
    assert "0 to create, 1 to change, 4 unchanged" in page
    assert "Initech → Initech Ltd" in page
    assert "America/Chicago → Europe/London" in page
    confirm(admin, preview.get_data(as_text=True))

    with app.app_context():
        initech = db.session.scalars(select(Organization).where(
            Organization.external_id == "CRM-1002")).one()
        assert (initech.name, initech.slug, initech.timezone) == (
            "Initech Ltd", "initech-ltd", "Europe/London")


def test_a_confirm_after_the_data_changed_previews_again_and_writes_nothing(
        app, admin, upload, confirm, make):
    preview = upload(admin, FIXED_ACCOUNTS)
    make.organization("Initech")  # someone adds it by hand meanwhile

    response = confirm(admin, preview.get_data(as_text=True))

    page = page_text(response)
    assert response.status_code == 409
    assert "The data changed since you saw the preview" in page
    assert "matches the existing account Initech by name" in page
    assert count_rows(app, Organization) == 1
    assert confirm(admin, response.get_data(as_text=True)).status_code == 302  # the new plan
    assert count_rows(app, Organization) == 5


def test_only_admins_import_and_every_post_needs_the_csrf_token(app, signed_in, make, staff,
                                                                  upload):
    colleague = signed_in("staff@demo.example")
    assert colleague.get("/admin/import").status_code in (403, 404)
    admin = signed_in("admin@demo.example")
    assert admin.post("/admin/import", data={}).status_code == 400
    assert admin.post("/admin/import/confirm", data={}).status_code == 400
    assert count_rows(app, Organization) == 0


def test_each_kind_has_a_template_to_download(admin):
    for kind in KINDS:
        response = admin.get(f"/admin/import/templates/{kind.name}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.get_data(as_text=True).split("\r\n")[0].split(",") == [
            column.name for column in kind.columns]
    assert admin.get("/admin/import/templates/nothing.csv").status_code == 404


def test_a_file_too_large_or_not_a_csv_is_refused_with_a_reason(app, admin, upload):
    big = b"account_id,name\r\n" + b"X-1,Name\r\n" * 600_000  # 6 MB
    response = upload(admin, big)
    assert response.status_code == 413
    assert "That file is over the 5 MB an import takes" in page_text(response)
    just_over = b"account_id,name\r\n" + b"X" * (5 * 1024 * 1024)
    assert "an import takes at most 5 MB" in page_text(upload(admin, just_over))
    page = page_text(upload(admin, "account_id,name\nA-1,Café".encode("latin-1")))
    assert "The file is not UTF-8 text" in page
    page = page_text(upload(admin, b"foo,bar\n1,2\n"))
    assert "The header names no kind of row" in page
    assert count_rows(app, Organization) == 0


def test_only_the_admin_who_uploaded_a_file_can_confirm_it(app, admin, upload, signed_in, make):
    make.user("second@demo.example", role=Role.ADMIN)
    preview = upload(admin, FIXED_ACCOUNTS).get_data(as_text=True)
    other = signed_in("second@demo.example")
    fields = confirm_fields(preview) | {"csrf_token": csrf_token(other, "/admin/import")}

    response = other.post("/admin/import/confirm", data=fields, follow_redirects=True)

    assert "That preview has expired or was already imported" in page_text(response)
    assert count_rows(app, Organization) == 0
