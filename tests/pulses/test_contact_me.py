"""The pulse's "get in touch with me" tick is kept: the follow-up says the client asked to be
contacted, and the link reopened shows the tick as the client left it."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.pulses.models import FollowUp, PulseRequest
from tests.pulses.test_pulses import _lowest_scores, _token, acme  # noqa: F401 (fixture)

CONTACT_BOX = re.compile(r'<input[^>]*name="contact_me"[^>]*>')


def _ticked(page: str) -> bool:
    return "checked" in CONTACT_BOX.search(page).group(0)


def test_a_low_score_with_the_tick_says_both_and_the_link_shows_it_ticked(
        app, acme, make, signed_in, post_form):  # noqa: F811
    request = make.pulse(acme["client"])
    link = f"/pulses/{_token(app, request)}"
    client = signed_in("jordan@acme.example")
    page = client.get(link).get_data(as_text=True)
    assert not _ticked(page)
    answers = _lowest_scores(page)  # the lowest scores, with "contact_me" ticked
    assert client.post(link, data=answers).status_code == 200

    with app.app_context():
        assert db.session.get(PulseRequest, request.id).contact_requested is True
        reason = db.session.scalars(select(FollowUp.reason)).one()
    assert reason.startswith("Low score: ") and reason.endswith("asked to be contacted")
    staff_page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert "asked to be contacted" in staff_page
    assert _ticked(client.get(link).get_data(as_text=True))


def test_unticking_on_a_second_answer_is_kept_too(app, acme, make, signed_in):  # noqa: F811
    request = make.pulse(acme["client"])
    link = f"/pulses/{_token(app, request)}"
    client = signed_in("jordan@acme.example")
    answers = _lowest_scores(client.get(link).get_data(as_text=True))
    client.post(link, data=answers)
    answers.pop("contact_me")
    assert client.post(link, data=answers).status_code == 200
    with app.app_context():
        assert db.session.get(PulseRequest, request.id).contact_requested is False
    assert not _ticked(client.get(link).get_data(as_text=True))


def _highest_scores(page: str) -> dict[str, str]:
    """The answer form filled with the highest score, the tick left as `_lowest_scores` sets it."""
    answers = _lowest_scores(page)
    for name, value in re.findall(r'<input [^>]*name="(q\d+)"[^>]* value="(\d+)"', page):
        answers[name] = value  # the last value offered is the highest
    return answers


def test_a_happy_client_who_unticks_the_request_leaves_nothing_to_act_on(
        app, acme, make, signed_in, post_form):  # noqa: F811
    request = make.pulse(acme["client"])
    link = f"/pulses/{_token(app, request)}"
    client = signed_in("jordan@acme.example")
    answers = _highest_scores(client.get(link).get_data(as_text=True))
    client.post(link, data=answers)  # happy, but ticked "get in touch with me"
    with app.app_context():
        follow_up = db.session.scalars(select(FollowUp)).one()
        assert follow_up.reason == "The client asked to be contacted"

    answers.pop("contact_me")  # reopened the link and unticked it
    client.post(link, data=answers)
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up.id)
        assert follow_up.no_longer_low_at is not None and follow_up.resolved_at is None
        assert follow_up.reason.startswith("No longer asks to be contacted: unticked on ")
    staff = signed_in("priya@firm.example")
    listed = staff.get("/").get_data(as_text=True).split("Unhappy answers")[1].split("<h2>")[0]
    assert "No longer asks to be contacted" in listed and "The client asked to be" not in listed
    closed = post_form(staff, f"/staff/follow-ups/{follow_up.id}/close", {"next": "home"}, "/")
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(FollowUp, follow_up.id).resolved_at is not None
