"""Signing in and out, as a client, staff member or admin would."""

import re

from sqlalchemy import select

from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.support.factories import PASSWORD


def _page_without(response, email: str) -> str:
    """The page minus what legitimately differs: the email typed and the CSRF token."""
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*>', "CSRF", page)


def test_a_client_signs_in_and_lands_on_their_dashboard(client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    response = sign_in(client, "jordan@acme.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Your projects" in client.get("/").get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    assert sign_in(client, "  Jordan@ACME.example ").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    wrong_password = sign_in(client, "jordan@acme.example", "not the password at all")
    unknown_email = sign_in(client, "nobody@acme.example")
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert "do not match an active account" in wrong_password.get_data(as_text=True)
    assert _page_without(wrong_password, "jordan@acme.example") == (
        _page_without(unknown_email, "nobody@acme.example")
    )
    assert client.get("/").status_code == 302  # still signed out


def test_a_deactivated_user_cannot_sign_in(client, make):
    make.user("gone@acme.example", organization="Acme Corp", active=False)
    response = sign_in(client, "gone@acme.example")
    assert response.status_code == 422
    assert "do not match an active account" in response.get_data(as_text=True)


def test_the_sign_in_form_keeps_the_email_after_a_mistake(client):
    response = sign_in(client, "typo@acme.example", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="typo@acme.example"' in page
    assert "This field is required" in page


def test_sign_in_without_a_csrf_token_is_refused(client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    response = client.post("/login", data={"email": "jordan@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "session expired" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_sign_in_follows_next_only_to_paths_on_this_site(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/x"):
        browser = app.test_client()
        response = sign_in(browser, "jordan@acme.example", next=hostile)
        assert response.headers["Location"] == "/", hostile
    browser = app.test_client()
    response = sign_in(browser, "jordan@acme.example", next="/healthz")
    assert response.headers["Location"] == "/healthz"


def test_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_out_ends_the_session_and_needs_a_post_with_csrf(signed_in, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    assert browser.get("/logout").status_code == 405
    assert browser.post("/logout").status_code == 400  # no CSRF token: nothing happens
    assert browser.get("/").status_code == 200
    response = browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    assert response.headers["Location"] == "/login"
    assert browser.get("/").status_code == 302


def test_signing_out_ends_the_users_other_sessions(signed_in, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    laptop = signed_in("jordan@acme.example")
    phone = signed_in("jordan@acme.example")
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    assert phone.get("/").status_code == 302


def test_a_user_deactivated_while_signed_in_is_signed_out(app, signed_in, make, post_form):
    make.user("admin@firm.example", role=Role.ADMIN)
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    admin = signed_in("admin@firm.example")
    response = post_form(admin, f"/admin/users/{jordan.id}/deactivate", {}, "/admin/users")
    assert response.status_code == 302
    assert browser.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User).where(User.id == jordan.id)).one().active is False


def test_sign_in_renews_the_session(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(browser, "jordan@acme.example")
    with browser.session_transaction() as session:
        assert "planted" not in session
