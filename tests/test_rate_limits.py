"""Rate limits on failed sign-ins (per account and per address) and on the password and
two-factor pages; the client address comes through ProxyFix with the configured hops."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import ProjectStatus
from tests.conftest import csrf_token, make_app, sign_in


def _fail(browser, email, **headers):
    token = csrf_token(browser)
    return browser.post("/login", headers=headers,
                        data={"email": email, "password": "wrong password!", "csrf_token": token})


def test_the_sixth_failed_sign_in_for_an_account_gets_429_with_the_wait(app, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    for attempt in range(5):
        response = _fail(app.test_client(), "jordan@acme.example")
        assert response.status_code == 422, attempt
    response = _fail(app.test_client(), "jordan@acme.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many attempts" in page and "Please wait 15 minutes" in page
    assert 800 < int(response.headers["Retry-After"]) <= 900
    # Even the right password waits: that is what stops the guessing.
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 429
    # Another account from the same address is not locked by it.
    make.user("sam@acme.example", organization="Acme Corp")
    assert sign_in(app.test_client(), "sam@acme.example").status_code == 302


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


def test_production_without_redis_warns_at_start_up(database_url, tmp_path, caplog):
    app = make_app(database_url, str(tmp_path), ENV="production")
    with app.app_context():
        db.engine.dispose()
    assert "PORTAL_REDIS_URL is not set" in caplog.text


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
