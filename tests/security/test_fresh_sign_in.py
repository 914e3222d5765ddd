"""Every route that grants or removes someone's access asks for a recent sign-in: the URL map
is walked so that no such route can be added without it, and each one is tried with a stale
session (the re-authentication prompt, nothing changed) and a fresh one (the change made)."""

import time

import pytest
from sqlalchemy import func, select

from portal.access import access_changing_endpoints
from portal.api import keys as api_keys
from portal.api.models import ApiKey, Scope
from portal.auth.models import EmailToken, Role, SecuritySettings, User
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from portal.selection import profiles
from portal.selection.models import Candidate
from tests.auth.test_two_factor import _enrol
from tests.conftest import csrf_token, sign_in
from tests.support.factories import PASSWORD

NEW_PASSWORD = "a first passphrase for sam 2026"

# Where the routes that grant or remove access live: any route here that changes something is
# in the marked set, so a new one cannot forget the fresh sign-in.
ACCESS_PREFIXES = ("/admin/users", "/admin/security", "/admin/api-keys")
ACCESS_SUFFIXES = ("/invite", "/erase")  # and every POST under an account's /invitations/

# What an admin submits to each marked route: (path, form, page the form is on).
ACTIONS = {
    "accounts.new_user": ("/admin/users/new", {
        "name": "Sam Admin", "email": "sam@firm.example", "role": "admin",
        "organization_id": "0", "password": NEW_PASSWORD}, "/admin/users"),
    "accounts.set_user_active": ("/admin/users/{priya}/deactivate", {}, "/admin/users"),
    "accounts.change_role": ("/admin/users/{priya}/role", {"role": "admin"}, "/admin/users"),
    "accounts.reset_two_factor": ("/admin/users/{priya}/two-factor/reset", {}, "/admin/users"),
    "auth.security_settings": ("/admin/security", {"require_staff_two_factor": "y"},
                               "/admin/users"),
    "accounts.invite": ("/staff/accounts/{acme}/invite", {
        "people": "Jordan Client <jordan@acme.example>"}, "/admin/users"),
    "accounts.resend_invitation": ("/staff/accounts/{acme}/invitations/{nia}/resend", {},
                                   "/admin/users"),
    "accounts.revoke_invitation": ("/staff/accounts/{acme}/invitations/{nia}/revoke", {},
                                   "/admin/users"),
    "accounts.invite_not_yet_invited": ("/staff/accounts/{acme}/invitations/not-yet-invited",
                                        {}, "/admin/users"),
    "accounts.erase_client_data": ("/admin/accounts/{acme}/erase", {"typed_name": "Acme Corp"},
                                   "/admin/users"),
    "api.create_key": ("/admin/api-keys", {"name": "CRM sync", "scopes": "write"},
                       "/admin/api-keys"),
    "api.revoke_key": ("/admin/api-keys/{api_key}/revoke", {}, "/admin/api-keys"),
    "selection.erase": ("/admin/projects/{placement}/candidates/{maria}/erase",
                        {"confirm": "ERASE"}, "/admin/users"),
}
# These answer 200 with their result: what was removed; the new secret, shown once.
SHOWS_ITS_RESULT = {"accounts.erase_client_data", "api.create_key"}


def _changes_something(rule) -> bool:
    return bool(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})


def test_every_route_that_grants_or_removes_access_is_marked(app):
    routes = [rule for rule in app.url_map.iter_rules() if _changes_something(rule)
              and (rule.rule.startswith(ACCESS_PREFIXES) or rule.rule.endswith(ACCESS_SUFFIXES)
                   or "/invitations/" in rule.rule.removeprefix("/invitations/"))]
    assert len(routes) >= len(ACTIONS)
    marked = access_changing_endpoints(app)
    assert {rule.endpoint for rule in routes} <= marked
    assert marked == set(ACTIONS)  # each marked route is tried below


def _state(app) -> dict:
    """What the access routes change: users, their roles, sessions and two-factor, the
    firm's security settings, the invitations sent, the API keys (and which are revoked) and
    candidates erased."""
    with app.app_context():
        users = db.session.execute(select(
            User.email, User.role, User.active, User.session_version,
            User.two_factor_enabled_at).order_by(User.email)).all()
        settings = db.session.execute(select(SecuritySettings.require_staff_two_factor)).all()
        tokens = db.session.scalar(select(func.count(EmailToken.id)))
        api_keys = db.session.execute(select(ApiKey.name, ApiKey.revoked_at)
                                      .order_by(ApiKey.id)).all()
        candidates = db.session.execute(select(Candidate.id, Candidate.erased_at)).all()
    return {"users": users, "settings": settings, "tokens": tokens, "api_keys": api_keys,
            "candidates": candidates}


@pytest.fixture
def firm(app, make):
    """An admin, a member of staff with two-factor on, and a client organisation."""
    make.user("admin@firm.example", role=Role.ADMIN)
    priya = make.user("priya@firm.example", role=Role.STAFF)
    with app.app_context():
        user = db.session.get(User, priya.id)
        user.totp_secret, user.two_factor_enabled_at = "JBSWY3DPEHPK3PXP" * 2, utcnow()
        db.session.commit()
    acme = make.organization("Acme Corp")
    with app.app_context():  # an imported contact: no password, no invitation yet
        nia = db.session.get(User, make.user("nia@acme.example", organization="Acme Corp").id)
        nia.password_hash = None
        db.session.commit()
        nia_id = nia.id
    with app.app_context():  # a key in use, for revoking
        _, secret = api_keys.issue_key(name="Old sync", scopes=[Scope.READ], expires_at=None,
                                       by=db.session.get(User, priya.id))
        db.session.commit()
        api_key = db.session.scalar(select(ApiKey.id))
    placement = make.project("Acme Corp", name="Senior Data Engineer")
    with app.app_context():  # a candidate on it, whose data an admin may erase
        maria = profiles.add_candidate(db.session.get(Project, placement.id),
                                        by=db.session.get(User, priya.id),
                                        display_name="Maria Silva", sourced_on=utcnow().date())
        db.session.commit()
        maria_id = maria.id
    return {"priya": priya.id, "acme": acme.id, "nia": nia_id, "api_key": api_key,
            "placement": placement.id, "maria": maria_id}


@pytest.mark.parametrize("endpoint", sorted(ACTIONS))
def test_an_admin_away_for_a_while_confirms_it_is_them_before_changing_access(
        app, signed_in, firm, endpoint, monkeypatch):
    path, form, form_page = ACTIONS[endpoint]
    path = path.format(**firm)
    admin = signed_in("admin@firm.example")
    token = csrf_token(admin, form_page)
    before = _state(app)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 11 * 60)  # past REAUTH_MINUTES (10)

    response = admin.post(path, data={**form, "csrf_token": token},
                          headers={"Referer": f"http://localhost{form_page}"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm"), endpoint
    assert _state(app) == before  # nothing changed

    confirmed = admin.post("/account/confirm", data={
        "password": PASSWORD, "csrf_token": csrf_token(admin, "/account/confirm")})
    assert confirmed.status_code == 302
    response = admin.post(path, data={**form, "csrf_token": token})
    assert response.status_code == (200 if endpoint in SHOWS_ITS_RESULT else 302)
    assert not response.headers.get("Location", "").startswith("/account/confirm")
    assert _state(app) != before  # with a fresh sign-in the same request does its work


def test_a_new_admin_sets_up_two_factor_at_first_sign_in_when_the_firm_requires_it(
        app, signed_in, make, post_form):
    first_admin = make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    _enrol(admin, post_form)
    assert post_form(admin, "/admin/security",
                     {"require_staff_two_factor": "y"}).status_code == 302
    created = post_form(admin, "/admin/users/new", ACTIONS["accounts.new_user"][1])
    assert created.status_code == 302

    sam = app.test_client()
    assert sign_in(sam, "sam@firm.example", NEW_PASSWORD).status_code == 302
    for page in ("/", "/admin/users", "/admin/security", "/staff/pulses", "/account"):
        response = sam.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"] == "/account/two-factor", page
    refused = sam.post(f"/admin/users/{first_admin.id}/deactivate",
                       data={"csrf_token": csrf_token(sam, "/account/two-factor")})
    assert refused.headers["Location"] == "/account/two-factor"

    _enrol(sam, post_form)
    assert sam.get("/admin/users").status_code == 200
    again = app.test_client()
    assert sign_in(again, "sam@firm.example", NEW_PASSWORD).headers["Location"] == (
        "/login/two-factor")  # from now on the password alone is not enough
