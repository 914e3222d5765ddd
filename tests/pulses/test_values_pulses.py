"""Values pulses: admins choose which of the firm's values periodic pulses ask about and how
often; each person is asked one value at a time, in turn; the answers show per value over time
to staff (the pulse report, the account's health page) and never to clients (/values)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.content import services as content
from portal.content.models import ValueItem
from portal.db import utcnow
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses import values
from portal.pulses.models import PulseRequest, Trigger, ValueAnswer
from tests.support.rows import count_rows

TITLES = ("Straight talk, early", "Care in the details", "Own the outcome")
COMMENT = "Told us about the delay the day it happened."


@pytest.fixture
def firm(app, make):
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Lee")
    with app.app_context():
        ids = [content.add_item(ValueItem, by=None, title=t, body=f"About {t}.",
                                example="").id for t in TITLES]
        db.session.commit()
        org = db.session.scalar(select(Organization.id).where(Organization.name == "Acme Corp"))
    return {"values": ids, "org": org}


def _choose(post_form, admin, every: int, ids: list[int]):
    return post_form(admin, "/admin/pulses/values",
                     {"every_nth": str(every), "asked": [str(i) for i in ids]})


def _periodic_values(app, count: int) -> list[str | None]:
    """The value each of Jordan's next periodic pulses asks about, 15 days apart."""
    asked = []
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "jordan@acme.example"))
        start = utcnow() - timedelta(days=15 * count)
        for i in range(count):
            request = pulses.request_pulse(user, trigger=Trigger.PERIODIC,
                                           now=start + timedelta(days=15 * i))
            asked.append(request.value_title)
        db.session.commit()
    return asked


def test_admins_choose_the_values_and_each_persons_pulses_take_them_in_turn(
        app, firm, signed_in, post_form):
    admin = signed_in("ada@firm.example")
    first, _, third = firm["values"]
    assert _choose(post_form, admin, 1, [first, third]).status_code == 302
    page = admin.get("/admin/pulses/values").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{first}"', page)
    assert _periodic_values(app, 3) == [TITLES[0], TITLES[2], TITLES[0]]


def test_every_second_pulse_or_never(app, firm, signed_in, post_form):
    admin = signed_in("ada@firm.example")
    _choose(post_form, admin, 2, firm["values"])
    assert _periodic_values(app, 4) == [TITLES[0], None, TITLES[1], None]
    _choose(post_form, admin, 0, firm["values"])
    assert _periodic_values(app, 1) == [None]


def test_no_value_is_asked_until_an_admin_ticks_one_and_only_admins_may(app, firm,
                                                                        signed_in, post_form):
    assert _periodic_values(app, 1) == [None]
    for email in ("priya@firm.example", "jordan@acme.example"):
        assert signed_in(email).get("/admin/pulses/values").status_code == 404
    admin = signed_in("ada@firm.example")
    response = post_form(admin, "/admin/pulses/values", {"every_nth": "5", "asked": ["999"]})
    assert response.status_code == 422  # neither a listed frequency nor a value: nothing saved
    with app.app_context():
        assert values.asked_values() == [] and values.every_nth() == 1


def _asked_pulse(app, signed_in, post_form, firm) -> tuple[int, str]:
    _choose(post_form, signed_in("ada@firm.example"), 1, firm["values"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "jordan@acme.example"))
        request = pulses.request_pulse(user, trigger=Trigger.PERIODIC)
        db.session.commit()
        with app.test_request_context():
            return request.id, f"/pulses/{pulses.answer_token(request)}"


def _scores(app, request_id: int, value_score: str | None, comment: str = "") -> dict:
    with app.app_context():
        request = db.session.get(PulseRequest, request_id)
        data = {f"q{q.id}": "4" for q in request.template.questions}
    if value_score is not None:
        data["value_score"] = value_score
    return data | {"value_comment": comment}


def test_the_client_answers_the_value_question_with_the_pulse(app, firm, signed_in,
                                                             post_form):
    request_id, link = _asked_pulse(app, signed_in, post_form, firm)
    browser = app.test_client()
    page = browser.get(link).get_data(as_text=True)
    assert "This month, did we live “Straight talk, early”?" in page
    assert "3 short questions" in page
    missing = post_form(browser, link, _scores(app, request_id, None))
    assert missing.status_code == 422 and "Choose a score from 1 to 5." in missing.get_data(
        as_text=True)
    too_long = post_form(browser, link, _scores(app, request_id, "4", "x" * 2001))
    assert too_long.status_code == 422
    assert count_rows(app, ValueAnswer) == 0
    assert post_form(browser, link, _scores(app, request_id, "4", COMMENT)).status_code == 200
    assert re.search(r'<input checked [^>]*name="value_score"[^>]*value="4"|'
                     r'<input checked [^>]*value="4"[^>]*name="value_score"',
                     browser.get(link).get_data(as_text=True))
    post_form(browser, link, _scores(app, request_id, "4", COMMENT))  # the same again: no row
    post_form(browser, link, _scores(app, request_id, "2", COMMENT))  # changed: a new row
    with app.app_context():
        rows = db.session.scalars(select(ValueAnswer).order_by(ValueAnswer.id)).all()
        assert [(r.score, r.comment) for r in rows] == [(4, COMMENT), (2, COMMENT)]


def test_staff_see_results_per_value_and_the_client_values_page_never_shows_scores(
        app, firm, signed_in, post_form):
    request_id, link = _asked_pulse(app, signed_in, post_form, firm)
    post_form(app.test_client(), link, _scores(app, request_id, "5", COMMENT))
    staff = signed_in("priya@firm.example")
    month = utcnow().strftime("%b %Y")
    for path in ("/staff/pulses", f"/staff/pulses?organization_id={firm['org']}",
                 f"/staff/health/{firm['org']}"):
        page = staff.get(path).get_data(as_text=True)
        assert "Values lived, as clients see us" in page, path
        assert month in page and re.search(r"Straight talk, early</th>\s*(<td>.*?</td>\s*)*"
                                           r"<td>5\.0 <span[^>]*>\(n=1\)", page, re.S), path
    client = signed_in("jordan@acme.example")
    for browser in (client, app.test_client()):
        page = browser.get("/values").get_data(as_text=True)
        assert "Straight talk, early" in page  # the page is about the values
        for leak in ("n=1", "5.0", COMMENT, "lived, as clients", "did we live"):
            assert leak not in page
    assert client.get(f"/staff/health/{firm['org']}").status_code == 404
    assert client.get("/staff/pulses").status_code == 404


def test_a_value_deleted_later_keeps_its_answers_under_the_title_asked(app, firm, signed_in,
                                                                       post_form):
    request_id, link = _asked_pulse(app, signed_in, post_form, firm)
    post_form(app.test_client(), link, _scores(app, request_id, "3"))
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "ada@firm.example"))
        content.delete_item(db.session.get(ValueItem, firm["values"][0]), by=admin)
        db.session.commit()
        request = db.session.get(PulseRequest, request_id)
        assert request.value_id is None and request.value_title == TITLES[0]
        assert values.asked_values()[0].title == TITLES[1]  # the turn goes on without it
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert "Straight talk, early" in page and "3.0" in page
