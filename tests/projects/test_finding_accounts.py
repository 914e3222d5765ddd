"""Staff find their way on the staff home and account health lists: only their accounts, a
search by account, project or contact name, the next update due first, a page at a time, and
as many statements for 60 accounts as for 10."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.finding import MAX_QUERY, PAGE_SIZE
from portal.projects.models import Confidence, Project, ProjectStatus, StatusUpdate
from tests.operations.test_query_counts import statements_for

ME = "priya@firm.example"
LISTS = ["/staff/", "/staff/health"]


@pytest.fixture
def me(make) -> User:
    return make.user(ME, role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def colleague(make) -> User:
    return make.user("daniel@firm.example", role=Role.STAFF, name="Daniel Okafor")


def add_accounts(app, count: int, *, owners: list[User], first: int = 0) -> None:
    """`count` accounts, owners taken in turn, each with a client contact and one open project
    whose last update was (i mod 9) days ago, promised every 7 days."""
    with app.app_context():
        for i in range(first, first + count):
            org = Organization(name=f"Account {i:03d}", slug=f"account-{i:03d}",
                               account_owner_id=owners[i % len(owners)].id)
            db.session.add(org)
            db.session.add(User(email=f"contact{i}@client{i}.example", name=f"Contact {i:03d}",
                                role=Role.CLIENT, organization=org, password_hash="x"))
            project = Project(organization=org, name=f"Rollout {i:03d}",
                              status=ProjectStatus.ON_TRACK, update_cadence_days=7,
                              started_on=date.today() - timedelta(days=40),
                              contact_id=owners[(i + 1) % len(owners)].id)
            db.session.add(project)
            db.session.add(StatusUpdate(
                project=project, author_id=owners[0].id, body="Going well.",
                status=ProjectStatus.ON_TRACK, eta_confidence=Confidence.MEDIUM,
                published_at=datetime.now(UTC) - timedelta(days=i % 9, hours=1)))
        db.session.commit()


def shown(page: str) -> list[str]:
    """The account names the accounts list of the page (staff home or health) shows, in order."""
    if 'id="accounts"' in page:  # staff home: its accounts, not its other lists
        page = page.split('id="accounts"', 1)[1].split("Latest updates", 1)[0]
    return re.findall(r">(Account \d{3})</a>", page)


@pytest.mark.parametrize("path", LISTS)
def test_a_staff_member_sees_only_her_accounts_when_she_asks(app, me, colleague, signed_in,
                                                             path):
    add_accounts(app, 6, owners=[me, colleague])
    page = signed_in(ME).get(f"{path}?mine=y").get_data(as_text=True)
    assert sorted(shown(page)) == ["Account 000", "Account 002", "Account 004"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("text", "found"), [
    ("account 003", ["Account 003"]),   # the account's name, any case
    ("ROLLOUT 004", ["Account 004"]),   # a project's name
    ("Contact 005", ["Account 005"]),   # a client contact's name
    ("%", []),                          # a wildcard is a character like any other
])
def test_staff_search_by_account_project_or_contact_name(app, me, colleague, signed_in, path,
                                                         text, found):
    add_accounts(app, 6, owners=[me, colleague])
    page = signed_in(ME).get(path, query_string={"q": text}).get_data(as_text=True)
    assert shown(page) == found


def test_a_search_finds_the_accounts_whose_project_contact_is_named(app, me, colleague,
                                                                    signed_in):
    add_accounts(app, 4, owners=[me, colleague])
    page = signed_in(ME).get("/staff/?q=daniel").get_data(as_text=True)
    # Daniel is the contact person of the projects of accounts 0 and 2 (owners in turn, +1).
    assert sorted(shown(page)) == ["Account 000", "Account 002"]


def _due(app) -> dict[str, date]:
    """Each account's next update due, recomputed here: the last update's day (UTC accounts)
    plus the cadence."""
    with app.app_context():
        rows = db.session.execute(
            db.select(Organization.name, db.func.max(StatusUpdate.published_at),
                      Project.update_cadence_days)
            .join(Project, Project.organization_id == Organization.id)
            .join(StatusUpdate, StatusUpdate.project_id == Project.id)
            .group_by(Organization.name, Project.update_cadence_days)).all()
    return {name: last.date() + timedelta(days=cadence) for name, last, cadence in rows}


@pytest.mark.parametrize("path", LISTS)
def test_staff_sort_by_the_next_update_due(app, me, colleague, signed_in, path):
    add_accounts(app, 12, owners=[me, colleague])
    due = _due(app)
    page = signed_in(ME).get(f"{path}?sort=next_update").get_data(as_text=True)
    names = shown(page)
    assert names == sorted(due, key=lambda name: (due[name], names.index(name)))
    assert [due[n] for n in names] == sorted(due.values())
    assert len(set(due.values())) > 5  # the order is not the names' order by accident
    assert f"{min(due.values()):%-d %b %Y}" in page


@pytest.mark.parametrize("path", LISTS)
def test_long_lists_come_a_page_at_a_time_and_any_page_number_gets_a_page(
        app, me, colleague, signed_in, path):
    add_accounts(app, 2 * PAGE_SIZE + 5, owners=[me, colleague])
    browser = signed_in(ME)
    first = browser.get(path).get_data(as_text=True)
    assert len(shown(first)) == PAGE_SIZE and "Page 1 of 3 · 45 in all" in first
    last = browser.get(f"{path}?page=3").get_data(as_text=True)
    assert len(shown(last)) == 5
    every = set()
    for n in (1, 2, 3):
        every |= set(shown(browser.get(f"{path}?page={n}").get_data(as_text=True)))
    assert len(every) == 45
    for odd, expected in (("-1", first), ("0", first), ("abc", first), ("99999", last),
                          ("9" * 5000, first)):
        response = browser.get(path, query_string={"page": odd})
        assert response.status_code == 200, odd
        assert shown(response.get_data(as_text=True)) == shown(expected), odd


@pytest.mark.parametrize("path", LISTS)
def test_a_10000_character_search_is_explained_and_the_list_still_shows(
        app, me, colleague, signed_in, path):
    add_accounts(app, 3, owners=[me, colleague])
    response = signed_in(ME).get(path, query_string={"q": "x" * 10_000, "mine": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"at most {MAX_QUERY} characters" in page
    assert sorted(shown(page)) == ["Account 000", "Account 002"]  # "mine" still applies


def test_the_pager_keeps_the_search(app, me, colleague, signed_in):
    add_accounts(app, 2 * PAGE_SIZE + 5, owners=[me, colleague])
    page = signed_in(ME).get("/staff/?mine=y&sort=next_update").get_data(as_text=True)
    assert re.search(r'href="/staff/\?[^"]*mine=y[^"]*page=2', page.replace("&amp;", "&"))


@pytest.mark.parametrize("path", [
    "/staff/", "/staff/?mine=y&sort=next_update&q=account",
    "/staff/health", "/staff/health?mine=y&sort=next_update&q=contact",
])
def test_a_list_takes_as_many_statements_for_60_accounts_as_for_10(app, me, colleague,
                                                                    signed_in, path):
    browser = signed_in(ME)
    add_accounts(app, 10, owners=[me, colleague])
    with_10 = len(statements_for(app, browser, path))
    add_accounts(app, 50, owners=[me, colleague], first=10)
    with_60 = statements_for(app, browser, path)
    assert len(with_60) == with_10, "\n".join(with_60)


def test_staff_home_lists_show_their_first_ten_and_say_how_many_more(app, me, signed_in):
    with app.app_context():
        org = Organization(name="Initech", slug="initech", account_owner_id=me.id)
        db.session.add_all([Project(organization=org, name=f"Late {i:02d}", update_cadence_days=7,
                                    status=ProjectStatus.ON_TRACK,
                                    started_on=date.today() - timedelta(days=30 + i))
                            for i in range(13)])
        db.session.commit()
    page = signed_in(ME).get("/staff/").get_data(as_text=True)
    owed = page.split("Updates owed to clients", 1)[1].split("<h2", 1)[0]
    assert len(re.findall(r"Initech — Late \d\d", owed)) == 10
    assert "…and 3 more." in owed
    assert "Initech — Late 12" in owed  # the most overdue first
