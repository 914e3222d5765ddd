"""Sessions: cookie flags, renewal, idle and absolute limits, remember-me, and every way a
user's other sessions end (sign-out, password change, role change, deactivation)."""

import re
import time
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest
from flask import Blueprint
from flask_login import login_required

from portal.auth.models import Role
from portal.extensions import db
from portal.web.live import polling, polling_endpoints
from tests.conftest import csrf_token, make_app, sign_in
from tests.support.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def clock(monkeypatch):
    """Move time forward: `clock(hours=13)`. Everything that reads time.time() follows."""
    real = time.time
    offset = {"seconds": 0.0}
    monkeypatch.setattr(time, "time", lambda: real() + offset["seconds"])

    def advance(**delta) -> None:
        offset["seconds"] += (delta.get("days", 0) * 86400 + delta.get("hours", 0) * 3600
                              + delta.get("minutes", 0) * 60)

    return advance


def _cookies(response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, with its attributes."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = header
    return found


def _sign_in_remembered(browser, email):
    token = csrf_token(browser)
    return browser.post("/login", data={"email": email, "password": PASSWORD,
                                        "remember": "y", "csrf_token": token})


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    cookies = _cookies(_sign_in_remembered(client, "jordan@acme.example"))
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], name
        assert "Path=/" in cookies[name] and "Domain" not in cookies[name], name


def test_over_https_cookies_are_secure_with_the_host_prefix(database_url, tmp_path, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    app = make_app(database_url, str(tmp_path), ENV="production",
                   REDIS_URL="redis://127.0.0.1:6379/12")  # production counts limits there
    browser = app.test_client()
    page = browser.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # Over HTTPS CSRFProtect also checks the Referer is this site, as a browser sends it.
    response = browser.post("/login", base_url="https://localhost",
                            headers={"Referer": "https://localhost/login"}, data={
        "email": "jordan@acme.example", "password": PASSWORD, "remember": "y",
        "csrf_token": token})
    cookies = _cookies(response)
    assert response.status_code == 302
    for name in ("__Host-session", "__Host-remember_token"):
        parsed = SimpleCookie(cookies[name])[name]
        assert parsed["secure"] and parsed["httponly"] and parsed["samesite"] == "Lax", name
        assert parsed["path"] == "/" and not parsed["domain"], name
    remember = SimpleCookie(cookies["__Host-remember_token"])["__Host-remember_token"]
    expires = parsedate_to_datetime(remember["expires"]).timestamp()
    assert expires - time.time() <= 14 * 86400 + 60
    assert browser.get("/", base_url="https://localhost").status_code == 200
    with app.app_context():
        db.engine.dispose()  # this extra app's connections, not left to the garbage collector


def test_a_cookie_captured_before_sign_out_is_refused_afterwards(app, signed_in, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    captured = browser.get_cookie("session").value
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    attacker = app.test_client()
    attacker.set_cookie("session", captured)
    response = attacker.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_remember_me_cookie_captured_before_sign_out_is_refused_too(app, client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    _sign_in_remembered(client, "jordan@acme.example")
    captured = client.get_cookie("remember_token").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    attacker = app.test_client()
    attacker.set_cookie("remember_token", captured)
    assert attacker.get("/").status_code == 302


def test_remember_me_brings_a_closed_browser_back_signed_in(app, client, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    _sign_in_remembered(client, "jordan@acme.example")
    client.delete_cookie("session")  # the browser was closed: session cookies are gone
    assert client.get("/").status_code == 200


def test_remember_me_ends_after_fourteen_days(app, client, make, clock):
    make.user("jordan@acme.example", organization="Acme Corp")
    _sign_in_remembered(client, "jordan@acme.example")
    remembered = client.get_cookie("remember_token").value
    clock(days=15)
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)  # even if a browser kept it past expiry
    assert replay.get("/").status_code == 302


def test_an_idle_session_ends_after_thirty_minutes(signed_in, make, clock):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    clock(minutes=25)
    assert browser.get("/").status_code == 200  # activity: the idle clock restarts
    clock(minutes=25)
    assert browser.get("/").status_code == 200
    clock(minutes=31)
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "without activity" in browser.get("/login").get_data(as_text=True)


def test_polling_a_live_page_is_not_activity(signed_in, make, clock):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    for _ in range(4):
        clock(minutes=10)
        browser.get("/live")
    assert browser.get("/").status_code == 302


def test_a_live_part_a_feature_marks_as_polling_is_not_activity_either(app, signed_in, make,
                                                                        clock):
    """A feature adding a live part marks its view @polling; auth keeps no list of them."""
    feature = Blueprint("timeline", __name__)
    feature.add_url_rule("/timeline/live", view_func=login_required(polling(lambda: "ok")))
    app.register_blueprint(feature)
    assert polling_endpoints(app) == {"home.live", "projects.live", "selection.live",
                                      "timeline.<lambda>"}
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    for _ in range(2):
        clock(minutes=10)
        assert browser.get("/timeline/live").status_code == 200  # answered, yet not activity
    clock(minutes=11)
    assert browser.get("/").status_code == 302  # 31 minutes after signing in


def test_a_busy_session_still_ends_after_twelve_hours(signed_in, make, clock):
    make.user("jordan@acme.example", organization="Acme Corp")
    browser = signed_in("jordan@acme.example")
    for _ in range(12):
        clock(minutes=29)
        assert browser.get("/").status_code == 200
    clock(minutes=29 * 13 - 12 * 60)  # past 12 hours in all
    assert browser.get("/").status_code == 302


def test_a_password_change_ends_the_users_other_sessions(signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    laptop = signed_in("priya@firm.example")
    phone = signed_in("priya@firm.example")
    response = post_form(laptop, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # the one who changed it stays signed in
    assert phone.get("/").status_code == 302


def test_a_role_change_ends_that_users_sessions(app, signed_in, make, post_form):
    make.user("admin@firm.example", role=Role.ADMIN)
    priya = make.user("priya@firm.example", role=Role.STAFF)
    staff_browser = signed_in("priya@firm.example")
    admin = signed_in("admin@firm.example")
    response = post_form(admin, f"/admin/users/{priya.id}/role", {"role": "admin"},
                         "/admin/users")
    assert response.status_code == 302
    assert staff_browser.get("/").status_code == 302
    again = app.test_client()
    sign_in(again, "priya@firm.example")
    assert again.get("/admin/users").status_code == 200  # now an admin, on a new session
