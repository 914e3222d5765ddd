"""Pulses promise only what happens: a form of two or three questions is not "one quick
question", a score in an email opens the form with that score chosen (nothing is recorded
until Send: a GET never records an answer), and a figure of one is "1 answer", not "1 answers"."""

import html
import re

from sqlalchemy import select

from portal.extensions import db
from portal.health.metrics import PulseFigures, loyalty_of, satisfaction_of
from portal.notifications.models import MessageKind, OutboxMessage
from portal.plain_text import counted
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, RequestState, Trigger
from tests.pulses.test_pulses import acme  # noqa: F401 (fixture)
from tests.support.rows import count_rows

PROMISES = re.compile(r"one quick question|one click|a quick question", re.IGNORECASE)


def _pulse_email(app) -> OutboxMessage:
    with app.app_context():
        db.session().expire_on_commit = False
        return db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.PULSE_REQUEST)).one()


def test_the_email_counts_the_questions_and_says_what_a_score_link_does(
        app, acme, make):  # noqa: F811
    request = make.pulse(acme["client"], trigger=Trigger.MILESTONE, project=acme["project"])
    with app.app_context():
        questions = len(db.session.get(PulseRequest, request.id).template.questions)
    email = _pulse_email(app)
    assert questions > 1 and email.subject.startswith(
        f"How are we doing? {questions} short questions about {acme['project'].name}")
    for body in (email.text_body, html.unescape(email.html_body)):
        assert not PROMISES.search(body), body
        assert "opens the form with that score chosen; nothing is recorded until you press " \
               "Send" in " ".join(body.split())


def test_opening_every_score_link_records_nothing(app, acme, make, signed_in):  # noqa: F811
    """Mail scanners and curious clicks open links: only Send records an answer."""
    request = make.pulse(acme["client"])
    links = re.findall(r"^\d+: (\S+)$", _pulse_email(app).text_body, re.MULTILINE)
    assert len(links) == 11  # NPS first: 0 to 10
    anonymous, client = app.test_client(), signed_in("jordan@acme.example")
    for n, link in enumerate(links):
        path = link.split("//", 1)[1].split("/", 1)[1]
        for browser in (anonymous, client):
            page = browser.get(f"/{path}")
            assert page.status_code == 200
            assert re.search(rf'<input checked [^>]*value="{n}"', page.get_data(as_text=True))
            assert browser.head(f"/{path}").status_code == 200
    assert count_rows(app, PulseAnswer) == 0 and count_rows(app, FollowUp) == 0
    with app.app_context():
        assert db.session.get(PulseRequest, request.id).state == RequestState.SENT


def test_the_banner_and_the_form_promise_no_single_question(
        app, acme, make, signed_in):  # noqa: F811
    request = make.pulse(acme["client"])
    client = signed_in("jordan@acme.example")
    dashboard = client.get("/").get_data(as_text=True)
    assert "pulse-banner" in dashboard and not PROMISES.search(dashboard)
    with app.test_request_context():
        token = pulses.answer_token(db.session.get(PulseRequest, request.id))
        questions = len(db.session.get(PulseRequest, request.id).template.questions)
    form = client.get(f"/pulses/{token}").get_data(as_text=True)
    assert f"<h1>{counted(questions, 'short question')} from" in form and not PROMISES.search(form)


def test_figures_of_one_are_singular():
    loyalty = loyalty_of(PulseFigures(nps_n=3, promoters=1, detractors=1)).inputs
    assert "(1 promoter, 1 detractor;" in loyalty
    too_few = satisfaction_of(PulseFigures(csat_n=1)).inputs
    assert "1 CSAT answer in 90 days" in too_few


def test_the_pulse_report_says_1_answer(app, acme, make, signed_in):  # noqa: F811
    request = make.pulse(acme["client"])
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: q.scale.bounds[1]
                                             for q in pulse.template.questions}, comments={})
        db.session.commit()
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert "1 promoter and 0 detractors in 1 answer<" in page
    assert "1 of 1 pulse sent in these dates was answered" in page
    assert "1 answers" not in page and "1 pulses" not in page
