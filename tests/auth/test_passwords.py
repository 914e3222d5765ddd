"""Password rules (length not composition, no common passwords) and changing one's own."""

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.auth.passwords import common_passwords, password_problem
from portal.extensions import db
from tests.conftest import sign_in
from tests.support.factories import PASSWORD


def test_the_shipped_list_holds_about_ten_thousand_common_passwords():
    known = common_passwords()
    assert 10_000 <= len(known) <= 11_000
    assert {"password", "123456", "qwerty123456", "1q2w3e4r5t6y"} <= known


@pytest.mark.parametrize("password", [
    "qwerty123456", "1q2w3e4r5t6y", "Password1234", "iloveyou2024!!", "aaaaaaaaaaaaaaa",
    "short pass", "x" * 129,
])
def test_weak_passwords_are_turned_down(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", [
    "tulip lantern gravel", "ŝtelo-de-nia-ĉevalo", "😀 emoji are fine 😀",
    "the quick brown fox jumps over the lazy dog while the cat sleeps!",
    "no rules about digits", "a" + "b" * 63 + "c" * 64,
])
def test_long_unusual_passwords_pass_without_composition_rules(password):
    assert password_problem(password) is None


def test_a_password_containing_the_email_is_turned_down():
    assert password_problem("jordanjordan99!", email="jordan@acme.example") is not None


def _change(post_form, browser, current, new, confirm=None):
    return post_form(browser, "/account/password", {
        "current_password": current, "new_password": new, "confirm_password": confirm or new})


def test_staff_change_their_password_with_the_current_one(app, signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    assert browser.get("/account").get_data(as_text=True).count("/account/password") == 1
    new = "sixty-four characters fit " + "z" * 38
    assert _change(post_form, browser, PASSWORD, new).status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, "priya@firm.example", PASSWORD).status_code == 422
    assert sign_in(fresh, "priya@firm.example", new).status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.password_changed" in actions


def test_a_wrong_current_password_changes_nothing(app, signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    response = _change(post_form, browser, "not my password at all", "tulip lantern gravel")
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "priya@firm.example").status_code == 302


def test_a_common_or_mismatched_new_password_is_explained(signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    response = _change(post_form, browser, PASSWORD, "qwerty123456")
    assert response.status_code == 422
    assert "most common passwords" in response.get_data(as_text=True)
    response = _change(post_form, browser, PASSWORD, "tulip lantern gravel", "tulip lantern")
    assert "differ" in response.get_data(as_text=True)


def test_clients_change_their_own_password_from_their_account_page(
    app, signed_in, make, post_form
):
    make.user("jordan@acme.example", organization="Acme Corp")
    laptop, phone = signed_in("jordan@acme.example"), signed_in("jordan@acme.example")
    assert laptop.get("/account").get_data(as_text=True).count("/account/password") == 1
    assert "/account/two-factor" not in laptop.get("/account").get_data(as_text=True)
    assert _change(post_form, laptop, "not my password", "tulip lantern gravel").status_code == 422
    assert "most common" in _change(post_form, laptop, PASSWORD, "qwerty123456").get_data(
        as_text=True)
    new = "tulip lantern gravel"
    assert _change(post_form, laptop, PASSWORD, new).status_code == 302
    assert laptop.get("/account").status_code == 200  # this session stays signed in
    assert phone.get("/account").status_code == 302  # the other one is signed out
    assert sign_in(app.test_client(), "jordan@acme.example", PASSWORD).status_code == 422
    assert sign_in(app.test_client(), "jordan@acme.example", new).status_code == 302


def test_an_admin_cannot_create_a_user_with_a_common_password(signed_in, make, post_form):
    make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    response = post_form(admin, "/admin/users/new", {
        "name": "Sam", "email": "sam@firm.example", "role": "staff", "organization_id": "0",
        "password": "qwertyuiop123"})
    assert response.status_code == 422
    assert "most common passwords" in response.get_data(as_text=True)


def test_the_firms_name_dressed_up_is_turned_down(app):
    from portal.auth.services import UserError, check_password_rules

    with app.app_context(), pytest.raises(UserError):
        check_password_rules(f"{app.config['FIRM_NAME']}2026!")
