"""Rate limits on failed sign-ins (per account and per address) and on the password and
two-factor pages; the client address comes through ProxyFix with the configured hops."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import ConfigurationError
from portal.audit.models import AuditEvent
from portal.auth.models import Role, SignInThrottle
from portal.extensions import db
from portal.projects.models import ProjectStatus
from tests.conftest import csrf_token, make_app, sign_in
from tests.support.factories import PASSWORD
from tests.support.mail import free_port


def _fail(browser, email, **headers):
    token = csrf_token(browser)
    return browser.post("/login", headers=headers,
                        data={"email": email, "password": "wrong password!", "csrf_token": token})


def _pass_the_wait(app) -> None:
    """Move every failed sign-in back past the longest wait (but not past a day)."""
    with app.app_context():
        back = timedelta(seconds=app.config["SIGN_IN_MAX_DELAY_SECONDS"] + 1)
        for row in db.session.scalars(select(SignInThrottle)):
            row.last_failed_at -= back
        db.session.commit()


def test_after_five_failures_each_try_from_that_address_waits_twice_as_long(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for attempt in range(5):
        assert _fail(app.test_client(), "jordan@acme.example").status_code == 422, attempt
    response = _fail(app.test_client(), "jordan@acme.example")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) in (1, 2)
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Please wait 2 seconds" in page
    # Even the right password waits: it is not checked until the wait is over.
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 429
    waits = []
    for _ in range(10):
        _pass_the_wait(app)
        assert _fail(app.test_client(), "jordan@acme.example").status_code == 422
        waits.append(int(_fail(app.test_client(), "jordan@acme.example").headers["Retry-After"]))
    expected = [4, 8, 16, 32, 64, 128, 256, 512, 900, 900]  # doubling, up to 15 minutes
    assert all(want - 2 <= got <= want for want, got in zip(expected, waits, strict=True)), waits
    assert "Please wait 15 minutes" in _fail(app.test_client(), "jordan@acme.example").get_data(
        as_text=True)
    # Another account from the same address is not held up by it.
    make.user("sam@acme.example", organization="Acme Corp")
    assert sign_in(app.test_client(), "sam@acme.example").status_code == 302


def _try(app, email: str, password: str, address: str):
    """A sign-in from this client address (as if it came through no proxy)."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser.post("/login", data={"email": email, "password": password,
                                        "csrf_token": csrf_token(browser)})


def test_the_owner_signs_in_from_elsewhere_while_one_address_is_slowed(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for _ in range(5):
        assert _try(app, "jordan@acme.example", "guess", "203.0.113.9").status_code == 422
    assert _try(app, "jordan@acme.example", "guess", "203.0.113.9").status_code == 429
    assert _try(app, "jordan@acme.example", PASSWORD, "203.0.113.9").status_code == 429
    assert _try(app, "jordan@acme.example", PASSWORD, "198.51.100.7").status_code == 302


def test_many_addresses_together_slow_the_account_for_everyone(app, make):
    app.config["SIGN_IN_ACCOUNT_FREE_FAILURES"] = 8
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("sam@acme.example", organization="Acme Corp")
    for number in range(8):  # two tries each from four addresses: none of them is slowed
        address = f"203.0.113.{number // 2}"
        assert _try(app, "jordan@acme.example", "guess", address).status_code == 422
    blocked = _try(app, "jordan@acme.example", PASSWORD, "198.51.100.7")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) in (1, 2)
    with app.app_context():
        summaries = db.session.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == "auth.rate_limited")).all()
    assert summaries == ["sign-in delays began for jordan@acme.example from all addresses"]
    assert _try(app, "sam@acme.example", PASSWORD, "198.51.100.7").status_code == 302


def test_a_correct_password_clears_that_address_s_failures(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for _ in range(4):
        assert _fail(app.test_client(), "jordan@acme.example").status_code == 422
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 302
    for _ in range(5):
        assert _fail(app.test_client(), "jordan@acme.example").status_code == 422
    assert _fail(app.test_client(), "jordan@acme.example").status_code == 429


def test_failures_are_forgotten_after_a_day_and_their_rows_deleted(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for _ in range(6):
        _fail(app.test_client(), "jordan@acme.example")
    with app.app_context():
        for row in db.session.scalars(select(SignInThrottle)):
            row.last_failed_at -= timedelta(hours=24, seconds=1)
        db.session.commit()
    assert _fail(app.test_client(), "sam@acme.example").status_code == 422
    with app.app_context():  # jordan's two counts are gone, sam's two are new
        assert [row.failures for row in db.session.scalars(select(SignInThrottle))] == [1, 1]
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 302


def test_a_lockout_is_audited_once_per_window(app, make):
    for _ in range(8):
        _fail(app.test_client(), "nobody@acme.example")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.rate_limited")).all()
    assert len(events) == 1 and "nobody@acme.example" in events[0].summary


def test_signing_in_correctly_is_never_counted(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for _ in range(8):
        assert sign_in(app.test_client(), "jordan@acme.example").status_code == 302


def test_one_address_trying_many_accounts_is_limited(app):
    for attempt in range(20):
        assert _fail(app.test_client(), f"user{attempt}@acme.example").status_code == 422
    assert _fail(app.test_client(), "user99@acme.example").status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app):
    for attempt in range(20):
        _fail(app.test_client(), f"user{attempt}@acme.example",
              **{"X-Forwarded-For": f"203.0.113.{attempt}"})
    response = _fail(app.test_client(), "user99@acme.example",
                     **{"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 429


def test_a_proxy_the_settings_do_not_trust_is_noted_once_in_the_log(app, caplog):
    for attempt in range(3):
        _fail(app.test_client(), f"user{attempt}@acme.example",
              **{"X-Forwarded-For": "203.0.113.9"})
    assert caplog.text.count("PORTAL_PROXY_HOPS is 0") == 1


def test_behind_one_proxy_each_client_address_counts_apart(database_url, tmp_path):
    app = make_app(database_url, str(tmp_path), PROXY_HOPS=1)
    for attempt in range(20):
        _fail(app.test_client(), f"user{attempt}@acme.example",
              **{"X-Forwarded-For": "203.0.113.9"})
    blocked = _fail(app.test_client(), "user99@acme.example",
                    **{"X-Forwarded-For": "203.0.113.9"})
    other = _fail(app.test_client(), "user98@acme.example",
                  **{"X-Forwarded-For": "198.51.100.7"})
    assert blocked.status_code == 429 and other.status_code == 422
    with app.app_context():
        addresses = set(db.session.scalars(select(AuditEvent.ip_address)))
    with app.app_context():
        db.engine.dispose()  # after the context above returned its connection to the pool
    assert "203.0.113.9" in addresses


def test_wrong_current_passwords_are_limited_per_user(signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF)
    browser = signed_in("priya@firm.example")
    data = {"current_password": "not it, not it", "new_password": "tulip lantern gravel",
            "confirm_password": "tulip lantern gravel"}
    for _ in range(5):
        assert post_form(browser, "/account/password", data).status_code == 422
    assert post_form(browser, "/account/password", data).status_code == 429


def test_production_refuses_to_start_with_limits_counted_per_worker(database_url, tmp_path):
    with pytest.raises(ConfigurationError, match="PORTAL_REDIS_URL must be set"):
        make_app(database_url, str(tmp_path), ENV="production")
    # With Redis named it starts, even while Redis is down: it falls back, and says so.
    app = make_app(database_url, str(tmp_path), ENV="production",
                   REDIS_URL=f"redis://127.0.0.1:{free_port()}/12")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")


def _pulse_link(app, make, email: str) -> str:
    from portal.pulses import services as pulses
    from portal.pulses.models import PulseRequest

    user = make.user(email, organization="Acme Corp")
    request = make.pulse(user)
    with app.test_request_context():
        return f"/pulses/{pulses.answer_token(db.session.get(PulseRequest, request.id))}"


def _send_answer(app, link: str):
    browser = app.test_client()
    return browser.post(link, data={"csrf_token": csrf_token(browser, link)})


def test_pulse_answers_are_limited_per_link(app, make):
    link = _pulse_link(app, make, "jordan@acme.example")
    for attempt in range(10):
        assert _send_answer(app, link).status_code == 422, attempt  # empty, but it counts
    blocked = _send_answer(app, link)
    assert blocked.status_code == 429 and "Please wait" in blocked.get_data(as_text=True)
    # Opening the link to read it is never limited.
    assert app.test_client().get(link).status_code == 200
    # Another client's link from the same office is not held back by it.
    assert _send_answer(app, _pulse_link(app, make, "sam@acme.example")).status_code == 422


def test_pulse_answers_are_limited_per_address(app, make):
    app.config["PULSE_ANSWER_LIMIT_PER_ADDRESS"] = "4 per hour"
    first = _pulse_link(app, make, "jordan@acme.example")
    for _ in range(4):
        _send_answer(app, first)
    assert _send_answer(app, _pulse_link(app, make, "sam@acme.example")).status_code == 429


def test_closeout_pdf_downloads_are_limited_per_user(app, make, signed_in, monkeypatch):
    from portal.closeout import services as closeout_services

    monkeypatch.setattr(closeout_services, "closeout_pdf", lambda closeout: b"%PDF-1.7 test")
    app.config["PDF_LIMIT_PER_USER"] = "3 per hour"
    staff = make.user("dana@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("sam@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal", status=ProjectStatus.DONE)
    make.closeout(project, contact=staff)
    jordan = signed_in("jordan@acme.example")
    for _ in range(3):
        assert jordan.get(f"/projects/{project.id}/closeout.pdf").status_code == 200
    blocked = jordan.get(f"/projects/{project.id}/closeout.pdf")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Counted per person: a colleague at the same address still downloads it.
    sam = signed_in("sam@acme.example")
    assert sam.get(f"/projects/{project.id}/closeout.pdf").status_code == 200
