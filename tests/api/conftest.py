"""Fixtures for the API: keys with chosen scopes, and a client that sends one."""

from collections.abc import Callable
from datetime import datetime

import pytest

from portal.api import keys
from portal.api.models import Scope
from portal.auth.models import Role
from portal.extensions import db

ADMIN = "admin@firm.example"


@pytest.fixture
def key_admin(make):
    """The admin who creates the keys (and so authors what a key writes)."""
    return make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")


@pytest.fixture
def new_key(app, key_admin) -> Callable[..., str]:
    """The secret of a new key with the given scopes (read and write by default)."""

    def issue(*scopes: Scope, name: str = "Jira sync", expires_at: datetime | None = None):
        with app.app_context():
            _, secret = keys.issue_key(
                name=name, scopes=list(scopes or (Scope.READ, Scope.WRITE)),
                expires_at=expires_at, by=db.session.merge(key_admin))
            db.session.commit()
        return secret

    return issue


def bearer(secret: str, **headers) -> dict:
    """The headers a program sends with its key."""
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def demo_firm(app) -> None:
    """The demo firm: accounts, people, projects with months of history, pulses, health."""
    from portal.devdata import demo

    with app.app_context():
        demo.load_demo()
        db.session.commit()
