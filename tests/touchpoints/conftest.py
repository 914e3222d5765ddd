"""An account with an owner, a client and a colleague, for the touchpoint tests."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db


@dataclass
class Account:
    id: int
    owner: User
    client: User
    admin: User


@pytest.fixture
def acme(app, make) -> Account:
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    admin = make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Lee")
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.name == "Acme Corp"))
        org.account_owner_id = owner.id
        db.session.commit()
        return Account(org.id, owner, client, admin)


def staff_of(app, email: str) -> User:
    """The user with this email, loaded in the current app context."""
    return db.session.scalar(select(User).where(User.email == email))
