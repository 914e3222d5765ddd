"""Inviting a client's people at scale, as staff do it: paste a list (names optional), see each
line judged, resend and revoke from the account's invitations page, invite imported contacts in
one click. Emails go through the outbox to a real SMTP server."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal.audit.models import AuditEvent
from portal.auth.models import EmailToken, Role, TokenPurpose, User
from portal.extensions import db
from tests.conftest import csrf_token
from tests.support.mail import deliver, run_jobs
from tests.support.rows import count_rows

NEW_PASSWORD = "harbour kettle violet 42"


@pytest.fixture
def acme(make):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    make.user("gina@globex.example", organization="Globex", name="Gina Globex")
    return make.organization("Acme Corp")


@pytest.fixture
def staff(signed_in, acme):
    return signed_in("priya@firm.example")


def _post(browser, path: str, data: dict | None = None, form_page: str | None = None):
    return browser.post(path, data={**(data or {}),
                                    "csrf_token": csrf_token(browser, form_page or path)})


def _paste(staff, acme, text: str):
    return _post(staff, f"/staff/accounts/{acme.id}/invite", {"people": text})


def _links(app, smtp) -> dict[str, str]:
    """Deliver the outbox; the newest invitation link each address received, by address."""
    run_jobs(app)
    deliver(app)
    links = {}
    for recipients, message in smtp.messages:
        body = message.get_body(("plain",)).get_content()
        match = re.search(r"https://portal\.example\.test(/invitations/[A-Za-z0-9_\-]+)", body)
        if match:
            links[recipients[0]] = match.group(1)
    return links


def _users(app, organization_id: int) -> dict[str, User]:
    with app.app_context():
        db.session().expire_on_commit = False
        users = db.session.scalars(select(User).where(User.organization_id == organization_id))
        found = {u.email: u for u in users}
        db.session.commit()
        return found


def _sent_a_minute_ago(app) -> None:
    """Move every link's clock back a minute, as if staff came back to it later."""
    with app.app_context():
        for row in db.session.scalars(select(EmailToken)):
            row.created_at -= timedelta(minutes=1)
            row.expires_at -= timedelta(minutes=1)
        db.session.commit()


def _accept(app, path: str):
    person = app.test_client()
    return person.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                   "csrf_token": csrf_token(person, path)})


def test_staff_paste_names_and_addresses_and_each_person_gets_their_own_invitation(
        app, acme, staff, smtp):
    response = _paste(staff, acme, "Ann Lee <Ann@Acme.example>, bob.stone@acme.example\n\n"
                                   '"Lee, Carl" <carl@acme.example>; dee@acme.example')
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 invitations sent" in page
    people = _users(app, acme.id)
    assert {e: people[e].name for e in people if e != "jordan@acme.example"} == {
        "ann@acme.example": "Ann Lee", "bob.stone@acme.example": "Bob Stone",
        "carl@acme.example": "Lee, Carl", "dee@acme.example": "Dee"}
    links = _links(app, smtp)
    assert set(links) == {"ann@acme.example", "bob.stone@acme.example", "carl@acme.example",
                          "dee@acme.example"}
    assert _accept(app, links["ann@acme.example"]).status_code == 302


def test_one_bad_line_invites_nobody_and_every_line_says_what_it_would_do(
        app, acme, staff, smtp):
    pasted = ("ann@acme.example\n"
              "not an address\n"
              "Bob <bob@>\n"
              "ann@acme.example\n"
              "gina@globex.example\n"
              "jordan@acme.example, priya@firm.example")
    response = _paste(staff, acme, pasted)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nobody was invited" in page and "4 of 7 entries cannot be invited" in page
    rows = re.findall(r"<tr[^>]*>\s*<td data-label=\"Where\">(.*?)</td>.*?"
                      r"<td data-label=\"What\">(.*?)</td>", page, re.S)
    said = {where: " ".join(html.unescape(re.sub(r"<[^>]+>", "", what)).split())
            for where, what in rows}
    assert said["Line 1"] == "Will be invited"
    assert said["Line 2"].startswith("Refused: write a name and address as")
    assert said["Line 3"].startswith("Refused: bob@ is not an email address")
    assert said["Line 4"] == "Nothing sent: the same address as line 1."
    assert said["Line 5"] == ("Refused: gina@globex.example belongs to another organisation's "
                              "user or to the firm's staff.")
    assert said["Line 6"] == "Nothing sent: Jordan Blake has an account already."
    assert said["Line 6, entry 2"].startswith("Refused: priya@firm.example belongs to another")
    assert "not an address" in page  # the paste is kept to correct
    assert count_rows(app, EmailToken) == 0
    assert count_rows(app, User) == 3  # nobody created
    run_jobs(app)
    deliver(app)
    assert smtp.messages == []


def test_five_hundred_pasted_addresses_are_invited_in_one_go(app, acme, staff, smtp):
    pasted = "\n".join(f"Person {n} <p{n}@acme.example>" for n in range(500))
    response = _paste(staff, acme, pasted + "\np7@acme.example")  # one duplicate
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "500 invitations sent" in page and "line 501: the same address as line 8" in page
    assert count_rows(app, EmailToken, EmailToken.purpose == TokenPurpose.INVITATION) == 500
    assert count_rows(app, User, User.organization_id == acme.id) == 501
    assert page.count('data-label="Standing">Sent') == 500


def test_more_than_a_thousand_addresses_at_once_are_refused_with_a_reason(app, acme, staff):
    response = _paste(staff, acme, ",".join(f"p{n}@acme.example" for n in range(1001)))
    assert response.status_code == 422
    assert "at most 1000 at once" in response.get_data(as_text=True)
    assert count_rows(app, User) == 3


def test_inviting_a_pending_address_again_resends_with_a_new_link_and_voids_the_old(
        app, acme, staff, smtp):
    assert _paste(staff, acme, "ann@acme.example").status_code == 302
    first = _links(app, smtp)["ann@acme.example"]
    _sent_a_minute_ago(app)
    response = _paste(staff, acme, "Ann Lee <ann@acme.example>")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 invitations sent; 1 invitation sent again with a new link" in page
    second = _links(app, smtp)["ann@acme.example"]
    assert second != first
    assert count_rows(app, User, User.email == "ann@acme.example") == 1
    old = app.test_client().get(first)
    assert old.status_code == 410 and "a newer invitation was sent" in old.get_data(as_text=True)
    assert _accept(app, second).status_code == 302


def test_the_same_list_sent_twice_at_once_sends_each_invitation_once(app, acme, staff, smtp):
    assert _paste(staff, acme, "ann@acme.example\nbob@acme.example").status_code == 302
    again = _paste(staff, acme, "ann@acme.example\nbob@acme.example")
    page = staff.get(again.headers["Location"]).get_data(as_text=True)
    assert "less than a minute ago" in page
    assert count_rows(app, EmailToken) == 2


def test_the_invitations_page_shows_sent_opened_and_accepted_from_the_rows(
        app, acme, staff, smtp):
    _paste(staff, acme, "ann@acme.example, bob@acme.example, cy@acme.example")
    links = _links(app, smtp)
    assert app.test_client().get(links["bob@acme.example"]).status_code == 200  # opened
    assert _accept(app, links["cy@acme.example"]).status_code == 302
    page = staff.get(f"/staff/accounts/{acme.id}/invitations").get_data(as_text=True)
    standing = dict(re.findall(r"<span class=\"small\">([^<]+)</span>.*?"
                               r"data-label=\"Standing\">(\w[\w ]*)", page, re.S))
    assert standing == {"ann@acme.example": "Sent", "bob@acme.example": "Opened",
                        "cy@acme.example": "Accepted", "jordan@acme.example": "Accepted"}
    with app.app_context():
        opened = db.session.scalar(select(func.count(EmailToken.id)).where(
            EmailToken.opened_at.is_not(None)))
        used = db.session.scalar(select(func.count(EmailToken.id)).where(
            EmailToken.used_at.is_not(None)))
    assert (opened, used) == (2, 1)  # cy opened the page to accept it


def test_staff_resend_and_revoke_from_the_invitations_page_and_both_are_audited(
        app, acme, staff, smtp):
    _paste(staff, acme, "ann@acme.example")
    first = _links(app, smtp)["ann@acme.example"]
    ann = _users(app, acme.id)["ann@acme.example"]
    page = f"/staff/accounts/{acme.id}/invitations"
    double_click = _post(staff, f"{page}/{ann.id}/resend", form_page=page)
    assert "less than a minute ago" in staff.get(double_click.headers["Location"]).get_data(
        as_text=True)
    assert count_rows(app, EmailToken) == 1
    _sent_a_minute_ago(app)
    resend = _post(staff, f"{page}/{ann.id}/resend", form_page=page)
    assert resend.status_code == 302
    second = _links(app, smtp)["ann@acme.example"]
    assert second != first and app.test_client().get(first).status_code == 410

    revoke = _post(staff, f"{page}/{ann.id}/revoke", form_page=page)
    assert revoke.status_code == 302
    assert "withdrawn" in staff.get(page).get_data(as_text=True)
    assert app.test_client().get(second).status_code == 410
    assert not _users(app, acme.id)["ann@acme.example"].active  # no reset link gets her in
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == ["user.invited", "user.invitation_resent", "user.invitation_revoked"]

    again = _post(staff, f"{page}/{ann.id}/resend", form_page=page)  # invite again later
    assert again.status_code == 302 and _users(app, acme.id)["ann@acme.example"].active
    assert _accept(app, _links(app, smtp)["ann@acme.example"]).status_code == 302


def test_resend_and_revoke_need_the_form_token(app, acme, staff, smtp):
    _paste(staff, acme, "ann@acme.example")
    ann = _users(app, acme.id)["ann@acme.example"]
    forged = staff.post(f"/staff/accounts/{acme.id}/invitations/{ann.id}/revoke")
    assert forged.status_code == 400
    assert _users(app, acme.id)["ann@acme.example"].active


def test_imported_contacts_are_not_invited_yet_until_staff_invite_them_all(
        app, acme, staff, smtp, make):
    with app.app_context():
        for n in range(3):
            db.session.add(User(email=f"imported{n}@acme.example", name=f"Imported {n}",
                                role=Role.CLIENT, organization_id=acme.id,
                                external_id=f"CRM-{n}"))
        db.session.commit()
    page = f"/staff/accounts/{acme.id}/invitations"
    shown = staff.get(page).get_data(as_text=True)
    assert shown.count(">Not invited yet") == 3 and "Invite all not yet invited (3)" in shown
    assert "id CRM-1" in shown
    response = _post(staff, f"{page}/not-yet-invited", form_page=page)
    assert response.status_code == 302
    assert "3 invitations sent" in staff.get(page).get_data(as_text=True)
    assert len(_links(app, smtp)) == 3
    again = _post(staff, f"{page}/not-yet-invited", form_page=page)  # a second click
    assert "0 invitations sent" in staff.get(again.headers["Location"]).get_data(as_text=True)
    assert count_rows(app, EmailToken) == 3


def test_clients_never_see_invitations_of_any_organisation(app, acme, signed_in, make):
    globex = make.organization("Globex")
    jordan = signed_in("jordan@acme.example")
    gina = _users(app, globex.id)["gina@globex.example"]
    for path in (f"/staff/accounts/{globex.id}/invitations", f"/staff/accounts/{acme.id}"
                 "/invitations", f"/staff/accounts/{globex.id}/invite"):
        assert jordan.get(path).status_code == 404, path
    response = jordan.post(f"/staff/accounts/{globex.id}/invitations/{gina.id}/revoke",
                           data={"csrf_token": csrf_token(jordan, "/account")})
    assert response.status_code == 404


def test_a_contact_of_another_account_cannot_be_resent_through_this_one(
        app, acme, staff, make):
    globex = make.organization("Globex")
    gina = _users(app, globex.id)["gina@globex.example"]
    page = f"/staff/accounts/{acme.id}/invitations"
    assert _post(staff, f"{page}/{gina.id}/resend", form_page=page).status_code == 404


def test_the_invitations_page_takes_the_same_statements_for_3_or_60_contacts(
        app, acme, staff, smtp):
    path = f"/staff/accounts/{acme.id}/invitations"

    def statements() -> int:
        counted = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    _paste(staff, acme, "a1@acme.example, a2@acme.example")
    few = statements()
    _paste(staff, acme, "\n".join(f"b{n}@acme.example" for n in range(57)))
    assert statements() == few


def test_inviting_a_pending_client_again_with_new_details_is_an_audited_profile_change(
        app, acme, signed_in, make):
    make.user("morgan@firm.example", role=Role.ADMIN, name="Morgan Admin")
    admin = signed_in("morgan@firm.example")
    person = {"name": "Ann Lee", "email": "ann@acme.example", "role": "client",
              "organization_id": acme.id, "job_title": "Buyer", "phone": "+1 212 555 0100"}
    assert _post(admin, "/admin/users/new", person).status_code == 302
    _sent_a_minute_ago(app)
    again = {**person, "job_title": "Head of buying", "phone": ""}
    assert _post(admin, "/admin/users/new", again).status_code == 302

    ann = _users(app, acme.id)["ann@acme.example"]
    assert (ann.job_title, ann.phone) == ("Head of buying", None)
    log = html.unescape(admin.get("/admin/audit?action=user.profile_changed").get_data(
        as_text=True))
    assert "ann@acme.example: job title Buyer to Head of buying; phone +1 212 555 0100 to —" \
        in log
