"""Accounts by email, as people use them: a client invited by staff chooses a password; someone
who forgot theirs resets it; a client signs in with a link. Every email goes through the
outbox to a real SMTP server; every link is single-use, expires and is stored only hashed."""

import re
import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from portal.audit.models import AuditEvent
from portal.auth.email_tokens import hash_token
from portal.auth.models import EmailToken, Role, TokenPurpose, User
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import csrf_token, sign_in
from tests.support.factories import PASSWORD
from tests.support.mail import deliver, run_jobs
from tests.support.rows import count_rows

NEW_PASSWORD = "harbour kettle violet 42"


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def _link(app, smtp, path: str) -> str:
    """Run the queued jobs, deliver the outbox and return the path of the one link to `path`
    in the last email."""
    run_jobs(app)
    deliver(app)
    _, message = smtp.messages[-1]
    match = re.search(rf"https://portal\.example\.test({re.escape(path)}[A-Za-z0-9_\-]+)",
                      _plain(message))
    assert match, _plain(message)
    return match.group(1)


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _user(app, email: str) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.commit()
        return user


def _age_tokens(app, by: timedelta) -> None:
    """Move every link's clock back, as if it had been sent `by` ago."""
    with app.app_context():
        for row in db.session.scalars(select(EmailToken)):
            row.created_at -= by
            row.expires_at -= by
        db.session.commit()


def _post(browser, path: str, data: dict):
    return browser.post(path, data={**data, "csrf_token": csrf_token(browser, path)})


def _new_password(browser, path: str, password: str = NEW_PASSWORD):
    return _post(browser, path, {"new_password": password, "confirm_password": password})


@pytest.fixture
def acme(make):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("admin@firm.example", role=Role.ADMIN)
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    return make.project("Acme Corp", name="Customer portal rebuild")


# Invitations ------------------------------------------------------------------------------

def test_staff_invite_a_client_who_chooses_a_password_and_is_signed_in(
    app, acme, signed_in, smtp
):
    staff = signed_in("priya@firm.example")
    org_id = acme.organization_id
    assert "Invite someone" in staff.get(f"/staff/accounts/{org_id}").get_data(as_text=True)
    response = _post(staff, f"/staff/accounts/{org_id}/invite",
                     {"people": " Sam Okafor <Sam@Acme.example> "})
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 invitation sent" in page and "Sam Okafor" in page and "Sent" in page

    path = _link(app, smtp, "/invitations/")
    recipients, message = smtp.messages[-1]
    assert recipients == ["sam@acme.example"] and "invitation" in message["Subject"]
    assert "Priya Nair has invited you" in _plain(message) and "7 days" in _plain(message)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        row = db.session.scalars(select(EmailToken)).one()
        assert row.token_hash == hash_token(token) and token not in row.token_hash
        assert row.purpose == TokenPurpose.INVITATION
        assert timedelta(days=6, hours=23) < row.expires_at - row.created_at <= timedelta(days=7)

    sam = app.test_client()
    form = sam.get(path)
    assert form.status_code == 200 and "Welcome, Sam Okafor" in form.get_data(as_text=True)
    assert count_rows(app, EmailToken, EmailToken.used_at.is_not(None)) == 0  # GET writes nothing
    assert _new_password(sam, path).status_code == 302
    assert "Customer portal rebuild" in sam.get("/").get_data(as_text=True)  # signed in
    assert sign_in(app.test_client(), "sam@acme.example", NEW_PASSWORD).status_code == 302
    assert {"user.invited", "user.invitation_accepted"} <= set(_actions(app))


def test_an_invitation_works_once_and_then_says_so(app, acme, signed_in, smtp):
    _post(signed_in("admin@firm.example"), f"/staff/accounts/{acme.organization_id}/invite",
          {"people": "Sam Okafor <sam@acme.example>"})
    path = _link(app, smtp, "/invitations/")
    assert _new_password(app.test_client(), path).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 410 and "has been used already" in again.get_data(as_text=True)
    replayer = app.test_client()
    replay = replayer.post(path, data={"new_password": "another fine passphrase",
                                       "confirm_password": "another fine passphrase",
                                       "csrf_token": csrf_token(replayer, "/login")})
    assert replay.status_code == 410


def test_an_expired_invitation_gets_a_clear_page_and_sets_nothing(app, acme, signed_in, smtp):
    _post(signed_in("priya@firm.example"), f"/staff/accounts/{acme.organization_id}/invite",
          {"people": "Sam Okafor <sam@acme.example>"})
    path = _link(app, smtp, "/invitations/")
    _age_tokens(app, timedelta(days=7, minutes=1))
    page = app.test_client().get(path)
    assert page.status_code == 410
    assert "invitation has expired" in page.get_data(as_text=True)
    assert _user(app, "sam@acme.example").password_hash is None


def test_an_invited_client_chooses_a_password_by_the_usual_rules(app, acme, signed_in, smtp):
    _post(signed_in("priya@firm.example"), f"/staff/accounts/{acme.organization_id}/invite",
          {"people": "Sam Okafor <sam@acme.example>"})
    path = _link(app, smtp, "/invitations/")
    sam = app.test_client()
    weak = _new_password(sam, path, "password1234")
    assert weak.status_code == 422 and "most common passwords" in weak.get_data(as_text=True)
    assert _user(app, "sam@acme.example").password_hash is None
    assert _new_password(sam, path).status_code == 302  # the link still works after a typo


def test_an_existing_account_is_not_invited_again(app, acme, signed_in, smtp):
    staff = signed_in("priya@firm.example")
    response = _post(staff, f"/staff/accounts/{acme.organization_id}/invite",
                     {"people": "jordan@acme.example"})
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 invitations sent" in page and "Jordan Blake has an account already" in page
    assert count_rows(app, EmailToken) == 0


# Password reset ---------------------------------------------------------------------------

def test_a_client_who_forgot_their_password_resets_it_by_email(app, acme, smtp):
    browser = app.test_client()
    assert "Forgot your password?" in browser.get("/login").get_data(as_text=True)
    response = _post(browser, "/login/forgot", {"email": "Jordan@Acme.example"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    path = _link(app, smtp, "/login/reset/")
    assert "1 hour" in _plain(smtp.messages[-1][1])
    assert browser.get(path).status_code == 200
    response = _new_password(browser, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sign_in(app.test_client(), "jordan@acme.example", NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "jordan@acme.example", PASSWORD).status_code == 422
    assert {"auth.password_reset_requested", "auth.password_reset"} <= set(_actions(app))


def _strip(body: str) -> str:
    return re.sub(r'value="[^"]+"', "", body)  # the CSRF token differs per browser


def _ask_and_watch(app, path: str, email: str) -> tuple[int, str, list[str]]:
    """Ask for a link as a browser would; the answer and every SQL statement it ran."""
    browser = app.test_client()
    token = csrf_token(browser, path)
    statements: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = browser.post(path, data={"email": email, "csrf_token": token})
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return response.status_code, _strip(response.get_data(as_text=True)), statements


@pytest.mark.parametrize(("path", "emailed"), [
    ("/login/forgot", ["jordan@acme.example", "priya@firm.example"]),
    ("/login/email-link", ["jordan@acme.example"]),  # staff sign in with password and code
])
def test_known_and_unknown_emails_get_the_same_answer_from_the_same_work(
    app, acme, make, smtp, path, emailed
):
    make.user("gone@acme.example", organization="Acme Corp", active=False)
    asked = ["jordan@acme.example", "nobody@acme.example", "gone@acme.example",
             "priya@firm.example"]
    answers = [_ask_and_watch(app, path, email) for email in asked]
    assert answers[0][0] == 200 and "Check your email" in answers[0][1]
    # The same answer, from the same statements: nothing to tell them apart by, the clock
    # included. Nobody is looked up while the browser waits; a job does that afterwards.
    assert all(answer == answers[0] for answer in answers), [a[2] for a in answers]
    assert not any("user_account" in sql for sql in answers[0][2])
    assert count_rows(app, OutboxMessage) == 0
    assert run_jobs(app) >= len(asked)
    deliver(app)
    assert sorted(smtp.recipients()) == emailed
    with app.app_context():  # the job notes who asked, as the request would have
        addresses = db.session.scalars(select(AuditEvent.ip_address).where(
            AuditEvent.action.in_(["auth.password_reset_requested",
                                   "auth.sign_in_link_requested"]))).all()
    assert addresses == ["127.0.0.1"] * len(emailed)


def test_a_reset_link_works_once_and_ends_every_other_session(app, acme, signed_in, smtp):
    elsewhere = signed_in("jordan@acme.example")
    _post(app.test_client(), "/login/forgot", {"email": "jordan@acme.example"})
    path = _link(app, smtp, "/login/reset/")
    assert _new_password(app.test_client(), path).status_code == 302
    assert elsewhere.get("/").status_code == 302  # the old session is over
    again = app.test_client().get(path)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)


def test_a_reset_link_expires_after_an_hour(app, acme, smtp):
    _post(app.test_client(), "/login/forgot", {"email": "jordan@acme.example"})
    path = _link(app, smtp, "/login/reset/")
    _age_tokens(app, timedelta(minutes=61))
    late = app.test_client()  # the form was opened in time, sent too late
    response = late.post(path, data={"new_password": NEW_PASSWORD,
                                     "confirm_password": NEW_PASSWORD,
                                     "csrf_token": csrf_token(late, "/login")})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "jordan@acme.example").status_code == 302


def test_a_reset_link_is_void_once_the_password_changes(app, acme, smtp):
    browser = app.test_client()
    _post(browser, "/login/forgot", {"email": "jordan@acme.example"})
    first = _link(app, smtp, "/login/reset/")
    _post(browser, "/login/forgot", {"email": "jordan@acme.example"})
    second = _link(app, smtp, "/login/reset/")
    assert first != second
    assert _new_password(browser, second).status_code == 302
    stale = app.test_client().get(first)
    assert stale.status_code == 410 and "stop working once the password changes" in (
        stale.get_data(as_text=True))


def test_a_deactivated_user_gets_no_reset_email(app, make, smtp):
    make.user("gone@acme.example", organization="Acme Corp", active=False)
    response = _post(app.test_client(), "/login/forgot", {"email": "gone@acme.example"})
    run_jobs(app)
    assert response.status_code == 200 and count_rows(app, OutboxMessage) == 0


def test_a_reset_still_asks_staff_for_their_two_factor_code(app, make, smtp):
    make.user("priya@firm.example", role=Role.STAFF)
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user.totp_secret, user.two_factor_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        db.session.commit()
    _post(app.test_client(), "/login/forgot", {"email": "priya@firm.example"})
    browser = app.test_client()
    response = _new_password(browser, _link(app, smtp, "/login/reset/"))
    assert response.headers["Location"] == "/login"  # not signed in by the link
    step = sign_in(browser, "priya@firm.example", NEW_PASSWORD)
    assert step.headers["Location"] == "/login/two-factor"


# Sign-in links ----------------------------------------------------------------------------

def test_a_client_signs_in_with_an_email_link_after_confirming(app, acme, smtp):
    browser = app.test_client()
    assert "Email me a sign-in link" in browser.get("/login").get_data(as_text=True)
    response = _post(browser, "/login/email-link", {"email": "jordan@acme.example"})
    assert "Check your email" in response.get_data(as_text=True)
    path = _link(app, smtp, "/login/email-link/")
    assert "10 minutes" in _plain(smtp.messages[-1][1])
    # A mail scanner opening the link signs nobody in and uses nothing up.
    scanner = app.test_client()
    assert scanner.get(path).status_code == 200 and scanner.get(path).status_code == 200
    assert scanner.get("/").status_code == 302
    page = browser.get(path)
    assert "Press the button to sign in as" in page.get_data(as_text=True)
    response = _post(browser, path, {})
    assert response.status_code == 302
    assert "Customer portal rebuild" in browser.get("/").get_data(as_text=True)
    assert count_rows(app, AuditEvent, AuditEvent.summary == "with an email link") == 1
    again = app.test_client().get(path)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)


def test_a_sign_in_link_expires_after_ten_minutes(app, acme, smtp):
    _post(app.test_client(), "/login/email-link", {"email": "jordan@acme.example"})
    path = _link(app, smtp, "/login/email-link/")
    _age_tokens(app, timedelta(minutes=11))
    browser = app.test_client()
    assert browser.get(path).status_code == 410
    assert browser.get("/").status_code == 302


def test_sign_in_links_are_for_clients_and_the_answer_never_tells(app, acme, smtp):
    def ask(email):
        return _post(app.test_client(), "/login/email-link", {"email": email})

    answers = {re.sub(r'value="[^"]+"', "", ask(e).get_data(as_text=True))
               for e in ("jordan@acme.example", "nobody@acme.example", "priya@firm.example")}
    assert len(answers) == 1
    run_jobs(app)
    deliver(app)
    assert smtp.recipients() == ["jordan@acme.example"]  # staff sign in with password and code


def test_an_admin_can_switch_email_sign_in_links_off(app, acme, signed_in, smtp, post_form):
    _post(app.test_client(), "/login/email-link", {"email": "jordan@acme.example"})
    path = _link(app, smtp, "/login/email-link/")
    admin = signed_in("admin@firm.example")
    page = admin.get("/admin/security").get_data(as_text=True)
    assert "Allow email sign-in links for clients" in page
    assert re.search(r'<input checked[^>]*name="allow_client_email_sign_in"', page)
    assert post_form(admin, "/admin/security", {}).status_code == 302  # both boxes unticked
    assert "settings.client_email_sign_in" in _actions(app)
    browser = app.test_client()
    assert "sign-in link" not in browser.get("/login").get_data(as_text=True)
    assert browser.get("/login/email-link").status_code == 404
    assert browser.get(path).status_code == 404  # a link already sent stops working too
    # Password reset is not email sign-in: it still works.
    assert _post(browser, "/login/forgot", {"email": "jordan@acme.example"}).status_code == 200
    post_form(admin, "/admin/security", {"allow_client_email_sign_in": "y"})
    assert browser.get(path).status_code == 200


# Rate limits ------------------------------------------------------------------------------

def test_reset_requests_are_limited_per_account_and_per_address(app, acme, smtp):
    for _ in range(5):
        assert _post(app.test_client(), "/login/forgot",
                     {"email": "jordan@acme.example"}).status_code == 200
    blocked = _post(app.test_client(), "/login/forgot", {"email": "jordan@acme.example"})
    assert blocked.status_code == 429 and "Please wait" in blocked.get_data(as_text=True)
    run_jobs(app)
    assert count_rows(app, OutboxMessage) == 5
    for attempt in range(14):  # 20 per address in all
        assert _post(app.test_client(), "/login/forgot",
                     {"email": f"u{attempt}@acme.example"}).status_code == 200
    assert _post(app.test_client(), "/login/forgot",
                 {"email": "other@acme.example"}).status_code == 429


def test_sign_in_link_requests_are_limited_per_account(app, acme, smtp):
    for _ in range(5):
        _post(app.test_client(), "/login/email-link", {"email": "jordan@acme.example"})
    blocked = _post(app.test_client(), "/login/email-link", {"email": "jordan@acme.example"})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    run_jobs(app)
    assert count_rows(app, OutboxMessage) == 5


# Admins creating users --------------------------------------------------------------------

def test_an_admin_adding_a_client_user_sends_an_invitation_not_a_password(
    app, acme, signed_in, post_form, smtp
):
    admin = signed_in("admin@firm.example")
    with_password = post_form(admin, "/admin/users/new", {
        "name": "Sam Okafor", "email": "sam@acme.example", "role": "client",
        "organization_id": str(acme.organization_id), "password": "harbour kettle violet"})
    assert with_password.status_code == 422
    assert "Clients choose their own password" in with_password.get_data(as_text=True)
    response = post_form(admin, "/admin/users/new", {
        "name": "Sam Okafor", "email": "sam@acme.example", "role": "client",
        "organization_id": str(acme.organization_id), "job_title": "CTO"})
    assert response.status_code == 302
    path = _link(app, smtp, "/invitations/")
    assert _user(app, "sam@acme.example").job_title == "CTO"
    assert _new_password(app.test_client(), path).status_code == 302
    staff_without = post_form(admin, "/admin/users/new", {
        "name": "Dana", "email": "dana@firm.example", "role": "staff", "organization_id": "0"})
    assert staff_without.status_code == 422 and "first password" in staff_without.get_data(
        as_text=True)


def test_the_outbox_keeps_no_copy_of_a_link_once_it_is_sent(app, acme, smtp):
    _post(app.test_client(), "/login/email-link", {"email": "jordan@acme.example"})
    path = _link(app, smtp, "/login/email-link/")
    with app.app_context():
        bodies = db.session.execute(select(OutboxMessage.text_body, OutboxMessage.html_body)).one()
        tokens = db.session.scalars(select(EmailToken.token_hash)).all()
    token = path.rsplit("/", 1)[1]
    assert token not in bodies[0] and token not in bodies[1] and "Removed once sent" in bodies[0]
    assert tokens == [hash_token(token)]
    assert app.test_client().get(path).status_code == 200  # the link itself still works


# Races and hostile tokens -----------------------------------------------------------------

def test_two_requests_racing_with_one_link_sign_in_once(app, acme):
    from portal.auth import email_sign_in
    from portal.auth.email_tokens import TokenProblem

    with app.test_request_context():
        jordan = db.session.scalars(select(User).where(User.email == "jordan@acme.example")).one()
        token, _ = email_sign_in.email_tokens.issue(jordan, TokenPurpose.SIGN_IN_LINK)
        db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def use():
        with app.test_request_context():
            barrier.wait()
            try:
                email_sign_in.sign_in_with_link(token)
                db.session.commit()
                outcomes.append("signed in")
            except TokenProblem:
                db.session.rollback()
                outcomes.append("refused")
            except OperationalError:  # SQLite: the loser may find the database busy
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "signed in"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=300))
def test_any_token_text_is_refused_cleanly(app, token):
    from portal.auth.email_tokens import TokenProblem, find

    with app.app_context():
        for purpose in TokenPurpose:
            with pytest.raises(TokenProblem):
                find(token, purpose)
