"""Two-factor sign-in for staff and admins: enrolment by QR code, codes at sign-in, recovery
codes, the firm-wide requirement, and fresh sign-in before sensitive changes."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import RecoveryCode, Role, User
from portal.extensions import db
from tests.conftest import csrf_token, sign_in


def _secret(page: str) -> str:
    return re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(browser, post_form) -> tuple[str, list[str]]:
    """Turn two-factor on the way a person does; returns the secret and recovery codes."""
    page = browser.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = _secret(page)
    response = post_form(browser, "/account/two-factor", {"code": _code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>",
                       response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _sign_in_with_code(app, email, code):
    browser = app.test_client()
    first = sign_in(browser, email)
    assert first.headers["Location"] == "/login/two-factor"
    token = csrf_token(browser, "/login/two-factor")
    return browser, browser.post("/login/two-factor", data={"code": code, "csrf_token": token})


@pytest.fixture
def priya(make):
    return make.user("priya@firm.example", role=Role.STAFF)


def test_staff_turn_on_two_factor_and_then_sign_in_with_a_code(app, signed_in, priya,
                                                                post_form):
    secret, _ = _enrol(signed_in("priya@firm.example"), post_form)
    browser, response = _sign_in_with_code(app, "priya@firm.example", _code(secret, 1))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert "auth.two_factor_enabled" in actions
    assert len(stored) == 10 and all(len(value) == 64 for value in stored)  # hashes only


def test_the_password_alone_does_not_sign_in_with_two_factor_on(app, signed_in, priya,
                                                                 post_form):
    _enrol(signed_in("priya@firm.example"), post_form)
    browser = app.test_client()
    sign_in(browser, "priya@firm.example")
    assert browser.get("/").status_code == 302
    _, response = _sign_in_with_code(app, "priya@firm.example", "000000")
    assert response.status_code == 422


def test_a_code_is_accepted_once_only(app, signed_in, priya, post_form):
    secret, _ = _enrol(signed_in("priya@firm.example"), post_form)
    code = _code(secret, 1)
    assert _sign_in_with_code(app, "priya@firm.example", code)[1].status_code == 302
    assert _sign_in_with_code(app, "priya@firm.example", code)[1].status_code == 422


def test_a_recovery_code_works_once(app, signed_in, priya, post_form):
    _, codes = _enrol(signed_in("priya@firm.example"), post_form)
    assert _sign_in_with_code(app, "priya@firm.example", codes[0].upper())[1].status_code == 302
    assert _sign_in_with_code(app, "priya@firm.example", codes[0])[1].status_code == 422
    assert _sign_in_with_code(app, "priya@firm.example", codes[1])[1].status_code == 302


def test_the_code_step_expires_after_five_minutes(app, signed_in, priya, post_form,
                                                 monkeypatch):
    secret, _ = _enrol(signed_in("priya@firm.example"), post_form)
    browser = app.test_client()
    sign_in(browser, "priya@firm.example")
    token = csrf_token(browser, "/login/two-factor")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    response = browser.post("/login/two-factor",
                            data={"code": _code(secret), "csrf_token": token})
    assert response.headers["Location"] == "/login"


def test_clients_have_no_two_factor_pages(signed_in, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    assert signed_in("jordan@acme.example").get("/account/two-factor").status_code == 404


def test_admins_can_require_two_factor_for_all_staff(app, signed_in, priya, make, post_form):
    make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    response = post_form(admin, "/admin/security", {"require_staff_two_factor": "y"})
    assert response.status_code == 302
    staff = signed_in("priya@firm.example")
    response = staff.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    _, codes = _enrol(staff, post_form)
    assert staff.get("/").status_code == 200
    assert post_form(staff, "/account/two-factor/disable", {"code": codes[0]},
                     "/account/two-factor").status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.id == priya.id)).one()
        assert user.has_two_factor  # required: turning it off was refused


def test_sensitive_changes_need_a_recent_sign_in(signed_in, priya, post_form, monkeypatch):
    browser = signed_in("priya@firm.example")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 11 * 60)
    browser.get("/")  # still signed in: 11 minutes is within the idle limit
    for page in ("/account/password", "/account/two-factor"):
        response = browser.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"].startswith("/account/confirm"), page
    response = post_form(browser, "/account/confirm?next=/account/two-factor",
                         {"password": "correct horse battery staple"}, "/account/confirm")
    assert response.headers["Location"] == "/account/two-factor"
    assert browser.get("/account/two-factor").status_code == 200


def test_regenerating_recovery_codes_voids_the_old_ones(app, signed_in, priya, post_form):
    browser = signed_in("priya@firm.example")
    _, old = _enrol(browser, post_form)
    response = post_form(browser, "/account/two-factor/recovery-codes", {},
                         "/account/two-factor")
    assert response.status_code == 200
    assert _sign_in_with_code(app, "priya@firm.example", old[0])[1].status_code == 422


def _two_browsers_with_two_factor(app, signed_in, post_form):
    """Priya's laptop turns two-factor on; then she signs in on her phone with a code."""
    laptop = signed_in("priya@firm.example")
    secret, codes = _enrol(laptop, post_form)
    phone, response = _sign_in_with_code(app, "priya@firm.example", _code(secret, 1))
    assert response.status_code == 302 and phone.get("/").status_code == 200
    return laptop, phone, codes


def _signed_out(browser) -> bool:
    response = browser.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_turning_two_factor_off_takes_a_code_and_signs_out_every_other_browser(
        app, signed_in, priya, post_form):
    laptop, phone, codes = _two_browsers_with_two_factor(app, signed_in, post_form)
    for code in ("", "000000", "aaaa-bbbb-cccc"):
        refused = post_form(laptop, "/account/two-factor/disable", {"code": code},
                            "/account/two-factor")
        assert refused.status_code == 422, code
    assert not _signed_out(phone)  # nothing changed yet
    with app.app_context():
        assert db.session.get(User, priya.id).has_two_factor

    response = post_form(laptop, "/account/two-factor/disable", {"code": codes[3]},
                         "/account/two-factor")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # the one who turned it off stays signed in
    assert _signed_out(phone)
    with app.app_context():
        assert not db.session.get(User, priya.id).has_two_factor


def test_new_recovery_codes_sign_out_every_other_browser(app, signed_in, priya, post_form):
    laptop, phone, _ = _two_browsers_with_two_factor(app, signed_in, post_form)
    response = post_form(laptop, "/account/two-factor/recovery-codes", {},
                         "/account/two-factor")
    assert response.status_code == 200
    assert "signed out everywhere else" in response.get_data(as_text=True)
    assert laptop.get("/").status_code == 200
    assert _signed_out(phone)


def test_an_admin_resets_a_lost_two_factor_and_the_colleague_sets_it_up_again(
        app, signed_in, priya, make, post_form):
    laptop, phone, _ = _two_browsers_with_two_factor(app, signed_in, post_form)
    make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    assert "Reset two-factor" in admin.get("/admin/users").get_data(as_text=True)
    post_form(admin, "/admin/security", {"require_staff_two_factor": "y"})
    _enrol(admin, post_form)  # the firm now requires it of the admin too
    response = post_form(admin, f"/admin/users/{priya.id}/two-factor/reset", {},
                         "/admin/users")
    assert response.status_code == 302
    assert _signed_out(laptop) and _signed_out(phone)
    browser = app.test_client()
    assert sign_in(browser, "priya@firm.example").headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == "/account/two-factor"  # enrol again
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "auth.two_factor_reset" in actions
