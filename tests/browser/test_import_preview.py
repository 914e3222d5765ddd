"""An admin imports the example accounts file: sees the row errors, fixes them, confirms."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.extensions import db
from tests.browser import support
from tests.imports.conftest import example


def test_admin_previews_the_example_fixes_its_errors_and_imports(page, sign_in, make, tmp_path):
    make.user("staff@demo.example", role=Role.STAFF)
    make.user("admin@demo.example", role=Role.ADMIN)
    make.organization("Acme Corp")
    sign_in(page, "admin@demo.example")

    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import from a spreadsheet")
    original = tmp_path / "import-accounts.csv"
    original.write_bytes(example("accounts"))
    page.get_by_label("CSV file").set_input_files(original)
    page.get_by_role("button", name="Preview the import").click()

    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("row 5, timezone: 'Mars/Olympus' is not a timezone")
    expect(problems).to_contain_text("row 6, owner_email: no member of staff has the email")
    row = page.locator("tr", has_text="CRM-1001")
    expect(row).to_contain_text("Change")
    expect(row).to_contain_text("matches the existing account Acme Corp by name")
    expect(page.get_by_role("button", name=re.compile(r"^Import \d+ row"))).to_have_count(0)

    fixed = tmp_path / "import-accounts-fixed.csv"
    fixed.write_bytes(example("accounts").replace(b"Mars/Olympus", b"America/Los_Angeles")
                      .replace(b"nobody@demo.example", b"staff@demo.example"))
    page.get_by_label("CSV file").set_input_files(fixed)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_text("4 to create, 1 to change")).to_be_visible()
    page.get_by_role("button", name="Import 5 rows").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Imported import-accounts-fixed.csv: accounts: 4 created, 1 changed, 0 unchanged")
    with make.app.app_context():
        names = db.session.scalars(select(Organization.name).order_by(Organization.name)).all()
    assert names == ["Acme Corp", "Hooli, Inc.", "Initech", "Umbrella Health",
                     "Vandelay Industries"]


def test_the_import_page_and_a_preview_with_errors_are_accessible_on_a_phone(
        new_page, sign_in, make, tmp_path):
    make.user("admin@demo.example", role=Role.ADMIN)
    page = new_page(viewport={"width": 390, "height": 800}, is_mobile=True)
    sign_in(page, "admin@demo.example")
    page.goto("/admin/import")
    assert support.axe_violations(page) == [], support.describe(support.axe_violations(page))
    original = tmp_path / "import-projects.csv"
    original.write_bytes(example("projects"))
    page.get_by_label("CSV file").set_input_files(original)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("alert")).to_contain_text("row 4, eta: '31/02/2027' is not a date")
    violations = support.axe_violations(page)
    assert violations == [], support.describe(violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
