"""The living style page shows staff every component, drawn by the macros the pages use."""

import re
from pathlib import Path

from portal.auth.models import Role
from portal.db import timezone_names
from portal.forms import zones_by_region

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def test_staff_see_the_style_page_and_clients_do_not(make, signed_in):
    make.user("staff@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    page = signed_in("staff@firm.example").get("/staff/style")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for component in ('class="button"', 'class="chip chip-at_risk"', 'class="card"',
                      'class="table table-stack"', 'type="radio"', 'type="checkbox"',
                      "<select", "<textarea", 'type="color"', "<optgroup", 'class="flash',
                      'class="figure"', 'class="badge"', 'class="error"'):
        assert component in html, component
    assert signed_in("jordan@acme.example").get("/staff/style").status_code == 404


def test_every_macro_of_the_design_system_is_on_the_style_page():
    macros = {name for path in (TEMPLATES / "_macros").glob("*.html")
              for name in re.findall(r"{%-? macro (\w+)\(", path.read_text())}
    page = (TEMPLATES / "home" / "style.html").read_text()
    imported = set(re.findall(r"\b(\w+)\b", " ".join(re.findall(r"import ([^%]+)%}", page))))
    assert macros <= imported, f"not on /staff/style: {sorted(macros - imported)}"


def test_the_timezone_picker_offers_every_zone_once_grouped_by_region():
    regions = zones_by_region(timezone_names())
    offered = [choice.value for choices in regions.values() for choice in choices]
    assert sorted(offered) == sorted(timezone_names())
    assert next(iter(regions)) == "Africa" and list(regions)[-1] == "Other"
    assert ("Europe/London", "London") in [(c.value, c.label) for c in regions["Europe"]]
    assert "UTC" in [choice.value for choice in regions["Other"]]
