"""Names end up in email headers: a line break in one must never add a header, stop a message
or stop the delivery run. Against a real SMTP server on 127.0.0.1 (tests/support/mail.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts import services as account_services
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth.models import Role, UpdateEmails, User
from portal.content import services as content_services
from portal.content.models import FirmSettings
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.support.factories import PASSWORD
from tests.support.mail import deliver, outbox

POISON = "Elena\r\nBcc: x@evil.example"


@pytest.fixture
def acme(make):
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    client = make.user("elena@acme.example", organization="Acme Corp", name="Elena Ruiz")
    with make.app.app_context():
        org = db.session.scalars(select(Organization)).one()
        org.account_owner = db.session.get(User, owner.id)
        db.session.commit()
    return {"owner": owner, "client": client}


def _old_row(app, *, to: str, subject: str, minutes_ago: int) -> int:
    """An outbox row written before names were checked, as old data would hold it."""
    with app.app_context():
        row = OutboxMessage(
            to_address=to, subject=subject, text_body="Please follow up.",
            html_body="<p>Please follow up.</p>", kind=MessageKind.FOLLOW_UP_OPENED,
            headers={"Auto-Submitted": "auto-generated"},
            next_attempt_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_a_name_with_a_line_break_saved_long_ago_gets_a_safe_header_and_the_run_goes_on(
        app, acme, smtp):
    with app.app_context():  # the client's name as an old form let it through
        db.session.execute(update(User).where(User.id == acme["client"].id).values(name=POISON))
        db.session.commit()
    poisoned = _old_row(app, to="priya@firm.example", minutes_ago=3,
                        subject=f"Follow up with {POISON} at Acme Corp · Firm")
    bad_address = _old_row(app, to="priya@firm.example\r\nBcc: x@evil.example", minutes_ago=2,
                           subject="Follow up with Elena at Acme Corp · Firm")
    ordinary = _old_row(app, to="priya@firm.example", minutes_ago=1,
                        subject="Follow up with Jordan at Acme Corp · Firm")

    report = deliver(app)

    assert sorted(report.sent) == [poisoned, ordinary] and report.failed == [bad_address]
    rows = {row.id: row for row in outbox(app)}
    assert rows[poisoned].status == rows[ordinary].status == OutboxStatus.SENT
    assert rows[bad_address].status == OutboxStatus.FAILED
    assert "line break" in rows[bad_address].last_error
    assert "x@evil.example" not in smtp.recipients()
    subjects = [message["Subject"] for _, message in smtp.messages]
    assert "Follow up with Elena Bcc: x@evil.example at Acme Corp · Firm" in subjects
    assert all(message["Bcc"] is None for _, message in smtp.messages)


def test_a_firm_name_with_a_line_break_still_sends_every_email_from_one_line(app, acme, smtp):
    with app.app_context():
        content_services.update_settings(firm_name="Acme Firm", brand_color="#336699",
                                         by=db.session.get(User, acme["owner"].id))
        db.session.execute(update(FirmSettings).values(firm_name="Northwind\nBcc: x@evil.example"))
        db.session.commit()
    first = _old_row(app, to="priya@firm.example", subject="One", minutes_ago=2)
    second = _old_row(app, to="elena@acme.example", subject="Two", minutes_ago=1)
    report = deliver(app)
    assert sorted(report.sent) == [first, second]
    assert [message["From"].count("\n") for _, message in smtp.messages] == [0, 0]
    assert all("Northwind Bcc: x@evil.example" in message["From"] for _, message in smtp.messages)
    assert "x@evil.example" not in smtp.recipients()


def test_a_message_that_cannot_be_built_is_failed_with_its_reason_not_left_sending(app, acme,
                                                                                    smtp):
    broken = _old_row(app, to="priya@firm.example", subject="Headers", minutes_ago=2)
    ordinary = _old_row(app, to="elena@acme.example", subject="Fine", minutes_ago=1)
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == broken).values(
            headers={"List-Unsubscribe": ["<https://a.example>", "<https://b.example>"]}))
        db.session.commit()
    report = deliver(app)
    assert report.sent == [ordinary] and report.failed == [broken]
    row = next(row for row in outbox(app) if row.id == broken)
    assert row.status == OutboxStatus.FAILED and row.last_error.startswith("Could not be built")
    assert deliver(app).sent == []  # the next run does not take it again


def test_names_with_line_breaks_are_refused_by_the_services_whatever_calls_them(app, acme):
    with app.app_context():
        admin = auth_services.create_user(email="morgan@firm.example", name="Morgan",
                                          role=Role.ADMIN, password=PASSWORD)
        acme_org = db.session.scalars(select(Organization)).one()
        client = db.session.get(User, acme["client"].id)
        refusals = {
            "create_user": lambda: auth_services.create_user(
                email="new@acme.example", name=POISON, role=Role.CLIENT, organization=acme_org),
            "create_user job title": lambda: auth_services.create_user(
                email="new@acme.example", name="Nia", job_title="CEO\nBcc: x@evil.example",
                role=Role.CLIENT, organization=acme_org),
            "create_user email": lambda: auth_services.create_user(
                email="new@acme.example\r\nbcc: x@evil.example", name="Nia",
                role=Role.CLIENT, organization=acme_org),
            "invitation": lambda: account_services.invite_client(
                acme_org, email="new@acme.example", name=POISON, by=admin),
            "own settings": lambda: auth_services.update_settings(
                client, name=POISON, phone=None, timezone=None,
                update_emails=UpdateEmails.IMMEDIATE),
            "own phone": lambda: auth_services.update_settings(
                client, name="Elena", phone="555\r\n0100", timezone=None,
                update_emails=UpdateEmails.IMMEDIATE),
            "organisation": lambda: account_services.create_organization(name="Globex\nBcc: x"),
            "firm name": lambda: content_services.update_settings(
                firm_name="Northwind\r\nBcc: x@evil.example", brand_color="#336699", by=admin),
        }
        for what, call in refusals.items():
            with pytest.raises(ValueError, match="single line") as refused:
                call()
            db.session.rollback()
            assert "\n" not in str(refused.value), what
        assert db.session.get(User, acme["client"].id).name == "Elena Ruiz"
        assert auth_services.find_user_by_email("new@acme.example") is None
        assert db.session.scalars(select(FirmSettings)).first() is None


def test_the_create_user_command_refuses_a_name_with_a_line_break(app, acme):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "nia@acme.example", "--role", "client", "--org", "Acme Corp",
        "--name", POISON, "--password", PASSWORD])
    assert result.exit_code == 2 and "single line" in result.output
    with app.app_context():
        assert auth_services.find_user_by_email("nia@acme.example") is None


def test_the_longest_names_still_fit_the_follow_up_subject(app, make):
    """A 120-character client at a 120-character organisation made a subject longer than its
    column: PostgreSQL refused the row, and with it the client's answer."""
    from portal.pulses import services as pulses
    from portal.pulses.models import PulseRequest

    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    org_name = "Organisation " + "o" * 107
    client = make.user("long@acme.example", organization=org_name, name="Name " + "n" * 115)
    with app.app_context():
        org = db.session.scalars(select(Organization)).one()
        org.account_owner = db.session.get(User, owner.id)
        db.session.commit()
    request = make.pulse(client)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, comments={},
                              scores={q.id: q.scale.bounds[0] for q in pulse.template.questions})
        db.session.commit()
        subject = db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.kind == MessageKind.FOLLOW_UP_OPENED)).one()
    assert len(subject) == 255 and subject.startswith("Follow up with Name nnn")
    assert subject.endswith("…")
