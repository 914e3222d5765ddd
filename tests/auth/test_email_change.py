"""A client changes their own email address: the password again, a link to the new address (the
change happens only when it is used), a notice to the old one. Real SMTP on 127.0.0.1."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import EmailToken, Role, TokenPurpose, User
from portal.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.support.factories import PASSWORD
from tests.support.mail import deliver, run_jobs
from tests.support.rows import count_rows

NEW = "jordan.blake@newmail.example"


@pytest.fixture
def jordan(make, signed_in):
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    make.user("gina@globex.example", organization="Globex", name="Gina")
    return signed_in("jordan@acme.example")


def _ask(browser, new_email: str = NEW, password: str = PASSWORD):
    return browser.post("/account/email", data={
        "new_email": new_email, "password": password,
        "csrf_token": csrf_token(browser, "/account/email")})


def _mail(app, smtp) -> dict[str, str]:
    """Deliver the outbox: each recipient's newest plain-text body."""
    run_jobs(app)
    deliver(app)
    return {to[0]: message.get_body(("plain",)).get_content() for to, message in smtp.messages}


def _email_of(app, user_email_like: str) -> str:
    with app.app_context():
        return db.session.scalars(select(User.email).where(
            User.name == user_email_like)).one()


def _confirm_path(body: str) -> str:
    match = re.search(r"https://portal\.example\.test(/account/email/confirm/[A-Za-z0-9_\-]+)",
                      body)
    assert match, body
    return match.group(1)


def test_a_client_changes_their_address_once_the_link_to_the_new_one_is_used(
        app, jordan, smtp):
    assert "Change your email address" in jordan.get("/account").get_data(as_text=True)
    response = _ask(jordan, " Jordan.Blake@NewMail.example ")
    assert response.status_code == 302
    assert "Check your email at jordan.blake@newmail.example" in jordan.get(
        "/account").get_data(as_text=True)
    mail = _mail(app, smtp)
    assert set(mail) == {NEW, "jordan@acme.example"}
    assert "asked to change its email address to jordan.blake@newmail.example" in mail[
        "jordan@acme.example"]
    assert _email_of(app, "Jordan Blake") == "jordan@acme.example"  # nothing changed yet

    path = _confirm_path(mail[NEW])
    elsewhere = app.test_client()  # the link opened on another device, signed out
    page = elsewhere.get(path)
    assert page.status_code == 200 and NEW in page.get_data(as_text=True)
    assert _email_of(app, "Jordan Blake") == "jordan@acme.example"  # a GET changes nothing
    done = elsewhere.post(path, data={"csrf_token": csrf_token(elsewhere, path)})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert _email_of(app, "Jordan Blake") == NEW
    assert sign_in(app.test_client(), NEW).status_code == 302
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 422
    assert elsewhere.get(path).status_code == 410  # used once
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"auth.email_change_requested", "auth.email_changed"} <= actions


def test_a_wrong_password_changes_nothing_and_sends_nothing(app, jordan, smtp):
    response = _ask(jordan, password="not my password at all")
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)
    assert count_rows(app, EmailToken) == 0
    assert _mail(app, smtp) == {}


@pytest.mark.parametrize("address, message", [
    ("not-an-address", "Invalid email address"),
    ("jordan@acme.example", "your current address already"),
    ("x" * 250 + "@example.com", "Field cannot be longer than 254 characters"),
])
def test_a_bad_new_address_is_refused_on_the_form(app, jordan, smtp, address, message):
    response = _ask(jordan, address)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count_rows(app, EmailToken) == 0


def test_an_address_of_another_account_gets_no_link_and_the_asker_is_not_told(
        app, jordan, smtp):
    response = _ask(jordan, "gina@globex.example")
    assert response.status_code == 302  # the same answer as for a free address
    mail = _mail(app, smtp)
    assert set(mail) == {"jordan@acme.example"}  # only the notice to the old address
    assert count_rows(app, EmailToken) == 0


def test_asking_again_voids_the_first_link(app, jordan, smtp):
    _ask(jordan, "first@newmail.example")
    first = _confirm_path(_mail(app, smtp)["first@newmail.example"])
    _ask(jordan, NEW)
    second = _confirm_path(_mail(app, smtp)[NEW])
    old = app.test_client().get(first)
    assert old.status_code == 410 and "replaced by a newer one" in old.get_data(as_text=True)
    assert app.test_client().get(second).status_code == 200


def test_changing_the_password_stops_a_change_someone_else_asked_for(app, jordan, smtp):
    _ask(jordan)
    path = _confirm_path(_mail(app, smtp)[NEW])
    changed = jordan.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase 7",
        "confirm_password": "a brand new passphrase 7",
        "csrf_token": csrf_token(jordan, "/account/password")})
    assert changed.status_code == 302
    assert app.test_client().get(path).status_code == 410
    assert _email_of(app, "Jordan Blake") == "jordan@acme.example"


def test_an_address_taken_meanwhile_is_not_moved_onto(app, jordan, smtp, make):
    _ask(jordan)
    path = _confirm_path(_mail(app, smtp)[NEW])
    make.user(NEW, organization="Globex", name="Someone Else")
    browser = app.test_client()
    response = browser.post(path, data={"csrf_token": csrf_token(browser, path)})
    assert response.status_code == 409
    assert "belongs to another account now" in response.get_data(as_text=True)
    assert _email_of(app, "Jordan Blake") == "jordan@acme.example"


def test_an_expired_link_says_so(app, jordan, smtp):
    _ask(jordan)
    path = _confirm_path(_mail(app, smtp)[NEW])
    with app.app_context():
        for row in db.session.scalars(select(EmailToken).where(
                EmailToken.purpose == TokenPurpose.EMAIL_CHANGE)):
            row.created_at -= timedelta(hours=25)
            row.expires_at -= timedelta(hours=25)
        db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)


def test_signed_out_people_cannot_ask_for_a_change(app, make):
    make.user("priya@firm.example", role=Role.STAFF)
    response = app.test_client().get("/account/email")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
