"""CSV exports name their type and character set once: `text/csv; charset=utf-8`
(they sent `charset=utf-8` twice, which some clients refuse)."""

import pytest

from portal.auth.models import Role


@pytest.mark.parametrize("path", ["/staff/health.csv", "/staff/pulses.csv"])
def test_a_csv_export_says_utf_8_once(make, signed_in, path):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.project("Acme Corp")
    response = signed_in("priya@firm.example").get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
