"""A user sets their own timezone and how they hear about status updates."""

from datetime import UTC, datetime

from sqlalchemy import select

from portal.auth.models import Role, UpdateEmails, User
from portal.extensions import db


def _settings(**changes):
    form = {"name": "Jordan Blake", "phone": "", "timezone": "", "update_emails": "immediate"}
    form.update(changes)
    return form


def test_a_client_chooses_a_weekly_digest_and_their_own_timezone(app, signed_in, make,
                                                                 post_form):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    page = browser.get("/account").get_data(as_text=True)
    assert "One weekly digest" in page and "My organisation&#39;s timezone (UTC)" in page
    response = post_form(browser, "/account",
                         _settings(timezone="America/New_York", update_emails="weekly_digest"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.update_emails == UpdateEmails.WEEKLY_DIGEST
        assert user.timezone == "America/New_York"


def test_dates_follow_the_users_own_timezone(app, signed_in, make, post_form):
    staff = make.user("priya@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    make.update(project, author=staff, body="Hi",
                published_at=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    browser = signed_in("jordan@acme.example")
    post_form(browser, "/account", _settings(timezone="Asia/Tokyo"))
    page = browser.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'title="2 Nov 2026, 05:00 JST"' in page


def test_an_unknown_timezone_or_empty_name_changes_nothing(app, signed_in, make, post_form):
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    browser = signed_in("jordan@acme.example")
    response = post_form(browser, "/account", _settings(timezone="Mars/Olympus_Mons"))
    assert response.status_code == 422
    response = post_form(browser, "/account", _settings(name="  "))
    assert response.status_code == 422
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.name, user.timezone) == ("Jordan Blake", None)
