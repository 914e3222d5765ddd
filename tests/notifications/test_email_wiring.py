"""What staff and clients do on the web reaches people by email, through the outbox."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest
from tests.support.mail import deliver


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def _owned_acme(make, app):
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    with app.app_context():
        db.session.scalars(select(Organization)).one().account_owner = db.session.get(
            User, owner.id)
        db.session.commit()
    return owner


def test_publishing_on_the_web_emails_the_client(app, make, signed_in, post_form, smtp):
    _owned_acme(make, app)
    project = make.project("Acme Corp", name="Portal")
    post_form(signed_in("priya@firm.example"), f"/staff/projects/{project.id}/updates/new", {
        "status": "at_risk", "body": "Waiting on **API keys**.", "eta": project.eta.isoformat(),
        "eta_confidence": "medium", "internal_note": "Never in an email QX42",
    })
    deliver(app)
    [(recipients, message)] = smtp.messages
    assert recipients == ["jordan@acme.example"] and "Portal: At risk" in message["Subject"]
    assert "Waiting on" in _plain(message) and "QX42" not in message.as_string()


def test_a_pulse_email_has_one_click_scores_that_record_nothing_until_sent(app, make, client,
                                                                           smtp):
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    make.pulse(jordan, now=datetime.now(UTC))
    deliver(app)
    [(_, message)] = smtp.messages
    links = re.findall(r"https://portal\.example\.test/pulses/[^?\s]+\?score=(\d+)",
                       _plain(message))
    assert links == [str(n) for n in range(0, 11)]  # the periodic pulse opens with NPS 0-10
    url = re.search(r"(/pulses/[^?\s]+)\?score=9", _plain(message)).group(1)
    page = client.get(f"{url}?score=9").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="9"', page)
    with app.app_context():
        assert db.session.scalars(select(PulseRequest)).one().answers == []


def test_a_low_answer_emails_the_account_owner(app, make, smtp):
    _owned_acme(make, app)
    jordan = db_user(app, "jordan@acme.example")
    request = make.pulse(jordan, now=datetime.now(UTC))
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        nps, csat = pulse.template.questions
        pulses.record_answers(pulse, scores={nps.id: 2, csat.id: 2},
                              comments={csat.id: "Nobody called back."})
        db.session.commit()
    deliver(app)
    to_owner = [m for rcpts, m in smtp.messages if rcpts == ["priya@firm.example"]]
    assert to_owner and "Nobody called back." in _plain(to_owner[0])
    assert "Follow up with" in to_owner[0]["Subject"]


def test_publishing_a_closeout_emails_the_client_with_the_care_contact(app, make, smtp):
    owner = _owned_acme(make, app)
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    make.closeout(project, contact=owner, summary="Everything moved, **on time**.")
    deliver(app)
    closeouts = [m for _, m in smtp.messages if "closeout summary" in m["Subject"]]
    assert closeouts and "Priya Nair" in _plain(closeouts[0])
    assert "/projects/" in _plain(closeouts[0]) and "/closeout" in _plain(closeouts[0])


def db_user(app, email: str) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.commit()
        return user
