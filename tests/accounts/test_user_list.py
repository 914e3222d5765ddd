"""Admins find a user among hundreds on /admin/users: a search by name or email, a role filter,
a page at a time, and as many statements for 130 users as for a handful."""

import re

import pytest

from portal.accounts.models import Organization
from portal.accounts.services import MAX_USER_QUERY, USERS_PAGE_SIZE
from portal.auth.models import Role, User
from portal.extensions import db
from tests.operations.test_query_counts import statements_for

ADMIN = "morgan@firm.example"


@pytest.fixture
def admin(make, signed_in):
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Admin")
    return signed_in(ADMIN)


def add_clients(app, count: int, *, first: int = 0) -> None:
    """`count` client users, five to an organisation (each organisation new)."""
    with app.app_context():
        org = None
        for i in range(first, first + count):
            if i % 5 == 0 or org is None:
                org = Organization(name=f"Client {i:03d}", slug=f"client-{i:03d}")
                db.session.add(org)
            db.session.add(User(email=f"person{i:03d}@client.example", name=f"Person {i:03d}",
                                role=Role.CLIENT, organization=org, password_hash="x"))
        db.session.commit()


def names(html: str) -> list[str]:
    """The client users listed, in order (their name is the row's first cell)."""
    return re.findall(r"<td>(Person \d{3})</td>", html)


def test_the_list_comes_a_page_at_a_time_and_keeps_its_filters(app, admin):
    add_clients(app, 2 * USERS_PAGE_SIZE + 10)
    first = admin.get("/admin/users").get_data(as_text=True)
    assert "Morgan Admin<span class=\"visually-hidden\"> (edit the profile)" in first  # staff first
    assert f"Page 1 of 3 · {2 * USERS_PAGE_SIZE + 11} in all" in first
    assert len(names(first)) == USERS_PAGE_SIZE - 1
    last = admin.get("/admin/users?page=3").get_data(as_text=True)
    assert names(last) == [f"Person {i:03d}" for i in range(2 * USERS_PAGE_SIZE - 1,
                                                            2 * USERS_PAGE_SIZE + 10)]
    seen = set()
    for page in (1, 2, 3):
        seen.update(names(admin.get(f"/admin/users?page={page}").get_data(as_text=True)))
    assert len(seen) == 2 * USERS_PAGE_SIZE + 10  # every user once, none skipped
    beyond = admin.get("/admin/users?page=999999").get_data(as_text=True)
    assert "Page 3 of 3" in beyond
    assert "Page 1 of 3" in admin.get("/admin/users?page=abc").get_data(as_text=True)
    clients = admin.get("/admin/users?role=client&page=2").get_data(as_text=True)
    assert "Morgan Admin<span" not in clients
    assert 'href="/admin/users?role=client&amp;page=1"' in clients


def test_admins_search_by_name_or_email_and_filter_by_role(app, make, admin):
    make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")
    add_clients(app, 12)
    by_name = admin.get("/admin/users?q=person 01").get_data(as_text=True)
    assert names(by_name) == [f"Person {i:03d}" for i in range(10, 12)]
    by_email = admin.get("/admin/users?q=PERSON003@").get_data(as_text=True)
    assert names(by_email) == ["Person 003"]
    staff = admin.get("/admin/users?role=staff").get_data(as_text=True)
    assert "Daniel Okafor" in staff and not names(staff)
    assert "Morgan Admin<span" not in staff
    admins = admin.get("/admin/users?role=admin&q=okafor").get_data(as_text=True)
    assert "No user matches." in admins
    wildcard = admin.get("/admin/users?q=%25").get_data(as_text=True)
    assert "No user matches." in wildcard  # % is a character searched for, not a wildcard


def test_bad_filters_say_so_and_show_the_whole_list(app, admin):
    add_clients(app, 3)
    too_long = admin.get("/admin/users?q=" + "x" * (MAX_USER_QUERY + 1))
    assert too_long.status_code == 200
    html = too_long.get_data(as_text=True)
    assert "the list below is not searched" in html and len(names(html)) == 3
    odd_role = admin.get("/admin/users?role=owner").get_data(as_text=True)
    assert "Not a valid choice" in odd_role and len(names(odd_role)) == 3


def test_staff_and_clients_cannot_open_the_list(make, signed_in):
    make.user("daniel@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    assert signed_in("daniel@firm.example").get("/admin/users").status_code in (403, 404)
    assert signed_in("jordan@acme.example").get("/admin/users").status_code in (403, 404)


def test_statements_per_page_stay_constant_as_the_users_grow(app, admin):
    add_clients(app, 8)
    few = len(statements_for(app, admin, "/admin/users"))
    add_clients(app, 3 * USERS_PAGE_SIZE, first=8)
    many = len(statements_for(app, admin, "/admin/users?page=2"))
    assert many == few
