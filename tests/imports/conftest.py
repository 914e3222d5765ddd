"""Import fixtures: the demo's staff (the example files name them), an admin's browser, and
an upload through the page as a browser sends it."""

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.auth.models import Role
from tests.conftest import csrf_token

DOCS = Path(__file__).parents[2] / "docs"


def example(kind: str) -> bytes:
    """The example file of this kind from docs/, as a firm would first upload it."""
    return (DOCS / f"import-{kind}.csv").read_bytes()


@pytest.fixture
def staff(make):
    """The members of staff the example files name as owners and contacts."""
    return {"staff": make.user("staff@demo.example", role=Role.STAFF, name="Sam Staff"),
            "admin": make.user("admin@demo.example", role=Role.ADMIN, name="Ada Admin")}


@pytest.fixture
def admin(signed_in, staff) -> FlaskClient:
    """The admin's browser, signed in."""
    return signed_in("admin@demo.example")


@pytest.fixture
def upload() -> Callable:
    """Upload bytes as a CSV file through /admin/import; the preview page comes back."""

    def send(browser: FlaskClient, data: bytes, filename: str = "file.csv"):
        token = csrf_token(browser, "/admin/import")
        # Encoded in memory: the test client's own encoder spools a big body to a temporary
        # file it never closes (a ResourceWarning, an error here).
        boundary, body = encode_multipart(
            {"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)})
        return browser.post("/admin/import", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")

    return send


def confirm_fields(page: str) -> dict[str, str]:
    """The hidden fields of the preview's confirm form."""
    fields = dict(re.findall(r'name="(token|digest|csrf_token)"[^>]*value="([^"]*)"', page))
    assert fields.get("token"), "the preview offers no confirm"
    return fields


@pytest.fixture
def confirm() -> Callable:
    """Press the preview's Import button."""

    def press(browser: FlaskClient, preview_page: str):
        return browser.post("/admin/import/confirm", data=confirm_fields(preview_page))

    return press


@pytest.fixture
def run_import(app, tmp_path) -> Callable:
    """`flask --app portal import FILE [args]` on a file with this content."""

    def run(content: str | bytes, *args: str, name: str = "file.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return app.test_cli_runner().invoke(args=["import", str(path), *args])

    return run
