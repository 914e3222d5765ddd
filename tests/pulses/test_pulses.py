"""Satisfaction pulses: asked at the right moments, answered in one click, acted on when low."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest, RequestState, Trigger
from tests.support.rows import count_rows


@pytest.fixture
def acme(make):
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.organization("Acme Corp", account_owner=None)
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    with make.app.app_context():
        from portal.accounts.models import Organization
        from portal.auth.models import User
        org = db.session.scalars(select(Organization)).one()
        org.account_owner = db.session.get(User, owner.id)
        db.session.commit()
    return {"owner": owner, "client": client, "project": make.project("Acme Corp")}


def _token(app, request) -> str:
    with app.test_request_context():
        return pulses.answer_token(db.session.get(PulseRequest, request.id))


def _only_request(app) -> PulseRequest:
    with app.app_context():
        db.session().expire_on_commit = False
        return db.session.scalars(select(PulseRequest)).one()


def test_feedback_asked_with_an_update_is_answered_from_the_banner(app, signed_in, acme,
                                                                   post_form):
    project = acme["project"]
    staff = signed_in("priya@firm.example")
    post_form(staff, f"/staff/projects/{project.id}/updates/new", {
        "status": "on_track", "body": "Design signed off.", "eta": project.eta.isoformat(),
        "eta_confidence": "high", "ask_feedback": "y",
    })
    client = signed_in("jordan@acme.example")
    banner = re.search(r'class="pulse-banner">.*?href="([^"]+)"', client.get("/").get_data(
        as_text=True), re.S)
    assert banner, "the client sees a banner for the pending pulse"
    link = banner.group(1)

    page = client.get(f"{link}?score=4").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="4"', page) and "How satisfied are you" in page
    assert count_rows(app, PulseAnswer) == 0  # opening the link records nothing

    question = re.search(r'name="(q\d+)"', page).group(1)
    response = post_form(client, link, {question: "4", f"c{question[1:]}": "Clear, thanks."})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    post_form(client, link, {question: "5", f"c{question[1:]}": ""})
    with app.app_context():
        answer = db.session.scalars(select(PulseAnswer)).one()  # changed, not added
        assert (answer.score, answer.comment) == (5, None)
    assert "pulse-banner" not in client.get("/").get_data(as_text=True)
    staff_page = staff.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "CSAT 5/5 on the update of" in staff_page
    client_page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "CSAT 5/5" not in client_page


def test_a_user_gets_at_most_one_pulse_a_fortnight_except_at_closeout(app, signed_in, acme,
                                                                      make):
    now = datetime.now(UTC)
    make.pulse(acme["client"], now=now - timedelta(days=3))
    held = make.pulse(acme["client"], trigger=Trigger.UPDATE, project=acme["project"], now=now)
    closeout = make.pulse(acme["client"], trigger=Trigger.CLOSEOUT, project=acme["project"],
                          now=now)
    assert held.state == RequestState.HELD and "at most one every 14 days" in held.hold_reason
    assert closeout.state == RequestState.SENT
    page = signed_in("priya@firm.example").get("/staff/pulses").get_data(as_text=True)
    assert "Jordan Blake · update pulse: Jordan Blake had a pulse on" in page
    with app.app_context():
        assert pulses.release_held(now + timedelta(days=5)) == []
        released = pulses.release_held(now + timedelta(days=12))
        assert [r.id for r in released] == [held.id]
        db.session.commit()


def test_a_low_score_opens_a_follow_up_due_in_two_working_days(app, signed_in, acme, make,
                                                               post_form):
    request = make.pulse(acme["client"], now=datetime(2026, 11, 13, 9, tzinfo=UTC))  # a Friday
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        nps, csat = pulse.template.questions
        pulses.record_answers(pulse, scores={nps.id: 3, csat.id: 4}, comments={},
                              now=datetime(2026, 11, 13, 10, tzinfo=UTC))
        db.session.commit()
        follow_up = db.session.scalars(select(FollowUp)).one()
        assert follow_up.due_at.date().isoformat() == "2026-11-17"  # Monday, Tuesday
        assert follow_up.owner_id == acme["owner"].id and "NPS 3" in follow_up.reason
    staff = signed_in("priya@firm.example")
    assert "Unhappy answers to follow up" in staff.get("/").get_data(as_text=True)
    assert "overdue" in staff.get("/").get_data(as_text=True).split("Unhappy answers")[1]
    post_form(staff, f"/staff/follow-ups/{follow_up.id}/resolve",
              {"summary": "We called you and agreed a weekly call.",
               "note": "Called Jordan; agreed a weekly call."}, "/staff/pulses")
    assert count_rows(app, FollowUp, FollowUp.resolved_at.is_not(None)) == 1


def test_asking_to_be_contacted_opens_a_follow_up_too(app, acme, make):
    request = make.pulse(acme["client"])
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        scores = {q.id: q.scale.bounds[1] for q in pulse.template.questions}
        pulses.record_answers(pulse, scores=scores, comments={}, contact_me=True)
        db.session.commit()
    assert count_rows(app, FollowUp) == 1


@pytest.mark.parametrize("tamper", ["flip", "foreign", "expired"])
def test_a_bad_token_gets_a_clear_page_and_writes_nothing(app, acme, make, client, tamper,
                                                          monkeypatch):
    request = make.pulse(acme["client"])
    token = _token(app, request)
    if tamper == "flip":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif tamper == "foreign":
        from itsdangerous import URLSafeTimedSerializer
        token = URLSafeTimedSerializer("another portal's key", salt=pulses.TOKEN_SALT).dumps(
            {"r": request.id, "u": request.user_id})
    else:
        import itsdangerous.timed
        real = itsdangerous.timed.time.time
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 15 * 86400)
        token = _token(app, request)
        monkeypatch.undo()
    response = client.get(f"/pulses/{token}?score=5")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert ("expired" in text) if tamper == "expired" else ("not valid" in text)
    assert count_rows(app, PulseAnswer) == 0


def test_out_of_range_scores_and_long_comments_change_nothing(app, acme, make, client,
                                                              post_form):
    request = make.pulse(acme["client"])
    link = f"/pulses/{_token(app, request)}"
    page = client.get(link).get_data(as_text=True)
    nps, csat = re.findall(r'name="(q\d+)"', page)[0], re.findall(r'name="(q\d+)"', page)[-1]
    bad_score = post_form(client, link, {nps: "11", csat: "4"})
    assert bad_score.status_code == 422 and "Not a valid choice" in bad_score.get_data(
        as_text=True)
    long_comment = post_form(client, link, {nps: "9", csat: "4", f"c{csat[1:]}": "x" * 2001})
    assert long_comment.status_code == 422
    assert "2000 characters" in long_comment.get_data(as_text=True)
    assert count_rows(app, PulseAnswer) == 0


def test_two_identical_answers_at_the_same_instant_make_one_row_each(app, acme, make):
    request = make.pulse(acme["client"])
    barrier = threading.Barrier(2)
    errors = []

    def answer():
        with app.app_context():
            pulse = db.session.get(PulseRequest, request.id)
            scores = {q.id: 2 if q.scale.value == "nps" else 3 for q in pulse.template.questions}
            barrier.wait()
            try:
                pulses.record_answers(pulse, scores=scores, comments={})
                db.session.commit()
            except Exception as error:  # the loser of the race is retried below
                db.session.rollback()
                errors.append(error)
                pulse = db.session.get(PulseRequest, request.id)
                pulses.record_answers(pulse, scores=scores, comments={})
                db.session.commit()

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert count_rows(app, PulseAnswer) == 2  # two questions, one row each
    assert count_rows(app, FollowUp) == 1


def test_an_admin_rewords_a_template_and_new_pulses_use_it(app, make, signed_in, post_form,
                                                           acme):
    make.user("morgan@firm.example", role=Role.ADMIN)
    admin = signed_in("morgan@firm.example")
    page = admin.get("/admin/pulses/templates").get_data(as_text=True)
    template_id = re.search(r'/admin/pulses/templates/(\d+)">Every month', page).group(1)
    path = f"/admin/pulses/templates/{template_id}"
    form = {"name": "Monthly check-in",
            "questions-0-prompt": "How are we doing for you?", "questions-0-scale": "csat",
            "questions-0-invites_comment": "y",
            "questions-1-prompt": "", "questions-1-scale": "nps",
            "questions-2-prompt": "", "questions-2-scale": "ces"}
    assert post_form(admin, path, form).status_code == 302
    pulse = make.pulse(acme["client"])
    with app.app_context():
        questions = db.session.get(PulseRequest, pulse.id).template.questions
        assert [(q.scale.value, q.prompt) for q in questions] == [
            ("csat", "How are we doing for you?")]
    empty = {**form, "questions-0-prompt": ""}
    refused = post_form(admin, path, empty)
    assert refused.status_code == 422 and "one to three questions" in refused.get_data(
        as_text=True)


def test_a_question_with_answers_cannot_be_removed(app, make, signed_in, post_form, acme):
    make.user("morgan@firm.example", role=Role.ADMIN)
    pulse = make.pulse(acme["client"])
    with app.app_context():
        request = db.session.get(PulseRequest, pulse.id)
        pulses.record_answers(request, comments={},
                              scores={q.id: q.scale.bounds[1] for q in request.template.questions})
        db.session.commit()
        template_id = request.template_id
    response = post_form(signed_in("morgan@firm.example"),
                         f"/admin/pulses/templates/{template_id}", {
                             "name": "Monthly", "questions-0-prompt": "Recommend us?",
                             "questions-0-scale": "nps", "questions-1-prompt": "",
                             "questions-1-scale": "csat", "questions-2-prompt": "",
                             "questions-2-scale": "ces"})
    assert response.status_code == 422 and "has answers" in response.get_data(as_text=True)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.characters(
    whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_."))
def test_a_changed_token_never_opens_a_pulse(app, acme, make, position, replacement):
    with app.app_context():
        request = db.session.scalars(select(PulseRequest)).first()
    if request is None:
        request = make.pulse(acme["client"])
    token = _token(app, request)
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1:]
    with app.test_request_context(), pytest.raises(pulses.BadToken):
        pulses.request_from_token(tampered)



def _lowest_scores(page: str) -> dict[str, str]:
    """The answer form on the page filled with the lowest score (which opens a follow-up),
    with the page's CSRF token, as the client would send it."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    questions = re.findall(r'<input [^>]*name="(q\d+)"[^>]* value="(\d+)"', page)
    lowest = {}
    for name, value in questions:
        lowest.setdefault(name, value)
    assert lowest, "the page shows the answer form"
    return {**lowest, "contact_me": "y", "csrf_token": token}


def test_a_pulse_sent_17_days_ago_cannot_be_answered_with_a_freshly_signed_link(
        app, acme, make, signed_in, post_form):
    """The banner used to sign a new token on every page: the window is the pulse's own."""
    request = make.pulse(acme["client"], now=datetime.now(UTC) - timedelta(days=17))
    client = signed_in("jordan@acme.example")
    assert "pulse-banner" not in client.get("/").get_data(as_text=True)
    link = f"/pulses/{_token(app, request)}"  # signed just now, as the banner did
    opened = client.get(link)
    assert opened.status_code == 404
    assert "a pulse can be answered for 14 days after it is sent" in opened.get_data(
        as_text=True)
    sent = post_form(client, link, {"q1": "0", "q2": "1"}, "/account")
    assert sent.status_code == 404 and "Nothing was recorded" in sent.get_data(as_text=True)
    assert count_rows(app, PulseAnswer) == 0 and count_rows(app, FollowUp) == 0


def test_a_banner_link_opened_in_time_stops_working_once_the_pulse_is_too_old(
        app, acme, make, signed_in, post_form):
    request = make.pulse(acme["client"], now=datetime.now(UTC) - timedelta(days=13))
    client = signed_in("jordan@acme.example")
    banner = re.search(r'class="pulse-banner">.*?href="([^"]+)"', client.get("/").get_data(
        as_text=True), re.S)
    assert banner, "on day 13 the client is still asked"
    link = banner.group(1)
    answers = _lowest_scores(client.get(link).get_data(as_text=True))
    with app.app_context():  # two days pass with the answer page open
        pulse = db.session.get(PulseRequest, request.id)
        pulse.sent_at -= timedelta(days=2)
        db.session.commit()
    response = client.post(link, data=answers)
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)
    assert count_rows(app, PulseAnswer) == 0 and count_rows(app, FollowUp) == 0


def test_a_deactivated_clients_pulse_link_no_longer_works_and_records_nothing(
        app, acme, make, client, post_form):
    from portal.accounts import services as accounts
    from portal.auth.models import User
    from portal.notifications.models import OutboxMessage

    request = make.pulse(acme["client"])
    link = f"/pulses/{_token(app, request)}"
    answers = _lowest_scores(client.get(link).get_data(as_text=True))
    make.user("morgan@firm.example", role=Role.ADMIN)
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "morgan@firm.example")).one()
        accounts.set_active(db.session.get(User, acme["client"].id), False, by=admin)
        db.session.commit()
    emails_before = count_rows(app, OutboxMessage)
    opened = client.get(link)
    assert opened.status_code == 404
    assert "This link no longer works" in opened.get_data(as_text=True)
    sent = client.post(link, data=answers)  # the page opened before, sent now
    assert sent.status_code == 404
    assert "This link no longer works" in sent.get_data(as_text=True)
    assert count_rows(app, PulseAnswer) == 0 and count_rows(app, FollowUp) == 0
    assert count_rows(app, OutboxMessage) == emails_before  # no follow-up email to the owner
    with app.app_context():
        assert db.session.get(PulseRequest, request.id).state == RequestState.SENT
