"""The loop the client sees: what they told us and who is on it, what we did and "Did this fix
it?", a "not yet" reopening it, overdue ones flagged once, and the figures of how it closes."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import tasks
from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.pulses import loop, services
from portal.pulses.models import FixAnswer, FollowUp, PulseRequest
from tests.conftest import csrf_token
from tests.support.mail import outbox

DEC_3 = datetime(2026, 12, 3, 10, tzinfo=UTC)  # a Thursday


@pytest.fixture
def acme(make):
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("sam@firm.example", role=Role.STAFF, name="Sam Ortiz")
    make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    make.organization("Acme Corp", timezone="Europe/London")
    client = make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    make.user("kim@acme.example", organization="Acme Corp", name="Kim Lee")
    make.user("elena@globex.example", organization="Globex", name="Elena Marsh")
    with make.app.app_context():
        org = db.session.scalars(select(Organization).where(Organization.name == "Acme Corp")).one()
        org.account_owner = db.session.get(User, owner.id)
        db.session.commit()
    return {"owner": owner, "client": client, "project": make.project("Acme Corp",
                                                                      name="Warehouse move")}


def _unhappy(app, make, acme, *, at=DEC_3, comment="the shortlist was slow", user=None):
    """Jordan (or `user`) answers a pulse about the project low, with a comment; its follow-up."""
    request = make.pulse(user or acme["client"], project=acme["project"], now=at)
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        questions = pulse.template.questions
        services.record_answers(pulse, scores={q.id: q.scale.bounds[0] for q in questions},
                                comments={questions[0].id: comment}, now=at)
        db.session.commit()
        return db.session.scalars(select(FollowUp).where(
            FollowUp.request_id == request.id)).one().id


def _client_page_text(client, path="/") -> str:
    return client.get(path).get_data(as_text=True)


def test_the_client_who_answered_sees_who_is_on_it_and_by_when_and_nobody_else_does(
        app, make, acme, signed_in):
    _unhappy(app, make, acme)
    jordan = signed_in("jordan@acme.example")
    for path in ("/", f"/projects/{acme['project'].id}"):
        page = " ".join(_client_page_text(jordan, path).split())
        assert ("You told us on 3 Dec 2026: <em>the shortlist was slow</em>. Priya Nair is on it "
                "and will get back to you by 7 Dec 2026.") in page, path  # Thursday + 2 working
        assert "Low score" not in page  # staff's reason is not the client's
    assert "the shortlist was slow" not in _client_page_text(signed_in("kim@acme.example"))
    assert "the shortlist was slow" not in _client_page_text(signed_in("elena@globex.example"))


@pytest.mark.parametrize(("comment", "shown"), [
    ("Dates keep moving.", "<em>Dates keep moving.</em> Priya Nair"),
    ("Why so slow?", "<em>Why so slow?</em> Priya Nair"),
    ("the shortlist was slow", "<em>the shortlist was slow</em>. Priya Nair"),
])
def test_their_words_get_one_full_stop_after_them_never_two(app, make, acme, signed_in,
                                                            comment, shown):
    _unhappy(app, make, acme, comment=comment)
    page = " ".join(_client_page_text(signed_in("jordan@acme.example")).split())
    assert shown in page
    assert "</em>.." not in page and "</em>. ." not in page


def test_the_due_day_is_two_working_days_where_the_client_is():
    # Monday 00:30 in Auckland is still Sunday in UTC: the client's Monday counts.
    monday_auckland = datetime(2026, 12, 6, 11, 30, tzinfo=UTC)
    due = services.add_working_days(monday_auckland, 2, "Pacific/Auckland")
    assert due == datetime(2026, 12, 8, 11, 30, tzinfo=UTC)  # Wednesday 00:30 there
    assert services.add_working_days(monday_auckland, 2, "UTC").date().isoformat() == \
        "2026-12-08"  # Sunday in UTC: Monday, Tuesday
    # Friday 18:00 in London is Saturday 05:00 in Sydney: due Tuesday 05:00 there (Monday
    # in UTC), a day before the same answer from London is due.
    friday = datetime(2026, 12, 4, 18, tzinfo=UTC)
    assert services.add_working_days(friday, 2, "Australia/Sydney") == datetime(
        2026, 12, 7, 18, tzinfo=UTC)
    assert services.add_working_days(friday, 2, "Europe/London") == datetime(
        2026, 12, 8, 18, tzinfo=UTC)
    # Across London's clocks going forward (29 Mar 2026): 10:00 local stays 10:00 local.
    thursday = datetime(2026, 3, 26, 10, tzinfo=UTC)  # 10:00 GMT
    assert services.add_working_days(thursday, 2, "Europe/London") == datetime(
        2026, 3, 30, 9, tzinfo=UTC)  # Monday 10:00 BST


def test_a_follow_up_is_due_in_the_clients_own_working_days(app, make, acme):
    with app.app_context():
        jordan = db.session.get(User, acme["client"].id)
        jordan.timezone = "Pacific/Auckland"
        db.session.commit()
    follow_up_id = _unhappy(app, make, acme, at=datetime(2026, 12, 4, 12, tzinfo=UTC))  # Sat
    with app.app_context():  # 01:00 Saturday in Auckland: due Tuesday 01:00 there
        assert db.session.get(FollowUp, follow_up_id).due_at == datetime(
            2026, 12, 7, 12, tzinfo=UTC)


def _resolve(app, staff_client, follow_up_id, summary="We added a second recruiter.",
             note="Sam was off sick; Kim covers now."):
    return staff_client.post(f"/staff/follow-ups/{follow_up_id}/resolve", data={
        "csrf_token": csrf_token(staff_client, "/staff/pulses"), "summary": summary,
        "note": note})


def _fix_link(app, answer: str) -> str:
    """The path of the newest "Did this fix it?" link for this answer, from the client's email."""
    email = [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_RESOLVED][-1]
    return re.search(rf"(/follow-ups/[^\s\"?]+\?answer={answer})", email.text_body).group(1)


def test_staff_resolve_the_client_gets_what_we_did_never_the_note_and_not_yet_reopens_it(
        app, make, acme, signed_in, client):
    follow_up_id = _unhappy(app, make, acme)
    priya = signed_in("priya@firm.example")
    assert _resolve(app, priya, follow_up_id).status_code == 302
    [email] = [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_RESOLVED]
    assert email.to_address == "jordan@acme.example"
    assert "We added a second recruiter." in email.text_body
    assert "Sam was off sick" not in email.text_body + email.html_body
    jordan = signed_in("jordan@acme.example")
    page = _client_page_text(jordan)
    assert "We added a second recruiter." in page and "Sam was off sick" not in page

    link = _fix_link(app, "not_yet")
    shown = client.get(link)  # a mail scanner, or the client, opens the link
    assert shown.status_code == 200 and "Not yet: keep at it" in shown.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).fix_answer is None  # GET records nothing
    token = csrf_token(client, link)
    answered = client.post(link.split("?")[0], data={"csrf_token": token, "answer": "not_yet"})
    assert answered.status_code == 200
    assert "on it again" in answered.get_data(as_text=True)
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.resolved_at is None and follow_up.round == 2
        assert follow_up.fix_answer == FixAnswer.NOT_YET
        assert follow_up.resolution == "Sam was off sick; Kim covers now."  # kept
    [told] = [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_REOPENED]
    assert told.to_address == "priya@firm.example" and "not fixed it yet" in told.text_body
    again = client.post(link.split("?")[0], data={"csrf_token": token, "answer": "fixed"})
    assert again.status_code == 404  # the link was for the first round
    assert "earlier answer" in again.get_data(as_text=True)
    page = " ".join(_client_page_text(jordan).split())
    assert "You told us our first answer had not fixed it. Priya Nair is on it" in page


def test_yes_is_kept_once_and_a_second_click_changes_nothing(app, make, acme, signed_in,
                                                             client):
    follow_up_id = _unhappy(app, make, acme)
    _resolve(app, signed_in("priya@firm.example"), follow_up_id)
    link = _fix_link(app, "fixed").split("?")[0]
    token = csrf_token(client, link)
    assert "you told us this fixed it" in client.post(
        link, data={"csrf_token": token, "answer": "fixed"}).get_data(as_text=True)
    client.post(link, data={"csrf_token": token, "answer": "not_yet"})
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.fix_answer == FixAnswer.FIXED and follow_up.resolved_at is not None
    assert not [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_REOPENED]


def test_a_changed_or_foreign_link_records_nothing(app, make, acme, signed_in, client):
    follow_up_id = _unhappy(app, make, acme)
    _resolve(app, signed_in("priya@firm.example"), follow_up_id)
    link = _fix_link(app, "fixed").split("?")[0]
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    # A pulse token is not a follow-up token (another salt).
    with app.test_request_context():
        pulse_token = services.answer_token(db.session.get(FollowUp, follow_up_id).request)
    assert client.get(f"/follow-ups/{pulse_token}").status_code == 404


def test_an_empty_or_too_long_summary_resolves_nothing(app, make, acme, signed_in):
    follow_up_id = _unhappy(app, make, acme)
    priya = signed_in("priya@firm.example")
    for summary in ("   ", "x" * 2001):
        response = _resolve(app, priya, follow_up_id, summary=summary)
        assert response.status_code == 302
        assert "still open" in priya.get("/staff/pulses").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).resolved_at is None
    assert not [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_RESOLVED]


def _escalate(app) -> int:
    """The hourly job, as the worker runs it (here, on the test's app)."""
    with app.app_context():
        return tasks.run_follow_up_escalation()


def _overdue_emails(app) -> list[OutboxMessage]:
    return [m for m in outbox(app) if m.kind == MessageKind.FOLLOW_UP_OVERDUE]


def test_an_overdue_follow_up_is_flagged_to_the_admins_once(app, make, acme):
    follow_up_id = _unhappy(app, make, acme, at=utc_days_ago(5))
    _escalate(app)
    _escalate(app)  # the hourly job again: nobody told twice
    [email] = _overdue_emails(app)
    # Priya owns the follow-up and the account: her manager is, in the portal, the admins.
    assert email.to_address == "ada@firm.example" and "Jordan Blake" in email.subject
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).overdue_flagged_at is not None


def test_an_overdue_follow_up_owned_by_someone_else_goes_to_the_account_owner(app, make, acme):
    follow_up_id = _unhappy(app, make, acme, at=utc_days_ago(5))
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        follow_up.owner = db.session.scalars(select(User).where(
            User.email == "sam@firm.example")).one()
        db.session.commit()
        assert [u.email for u in loop.managers_of(follow_up)] == ["priya@firm.example"]
    _escalate(app)
    _escalate(app)
    assert [m.to_address for m in _overdue_emails(app)] == ["priya@firm.example"]


def test_a_follow_up_within_its_two_working_days_is_not_flagged(app, make, acme):
    _unhappy(app, make, acme, at=datetime.now(UTC) - timedelta(hours=1))
    assert _escalate(app) == 0
    assert _overdue_emails(app) == []


def utc_days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_a_post_without_a_choice_or_with_a_stale_form_records_nothing(app, make, acme,
                                                                      signed_in, client):
    follow_up_id = _unhappy(app, make, acme)
    _resolve(app, signed_in("priya@firm.example"), follow_up_id)
    link = _fix_link(app, "fixed").split("?")[0]
    token = csrf_token(client, link)
    for data in ({"csrf_token": token}, {"csrf_token": token, "answer": "maybe"},
                 {"csrf_token": "stale", "answer": "not_yet"}):
        response = client.post(link, data=data)  # a stale form: "session expired" (302)
        assert response.status_code in (302, 400, 422)
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).fix_answer is None


def test_a_reopened_follow_up_resolved_again_keeps_both_notes_and_asks_again(
        app, make, acme, signed_in, client):
    follow_up_id = _unhappy(app, make, acme)
    priya = signed_in("priya@firm.example")
    _resolve(app, priya, follow_up_id, note="First: a second recruiter.")
    link = _fix_link(app, "not_yet").split("?")[0]
    client.post(link, data={"csrf_token": csrf_token(client, link), "answer": "not_yet"})
    _resolve(app, priya, follow_up_id, summary="We now send the shortlist every Monday.",
             note="Second: a weekly slot.")
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.resolution == ("First: a second recruiter.\n\n"
                                        "Priya Nair: Second: a weekly slot.")
        assert follow_up.round == 2 and follow_up.fix_answer is None
    second = _fix_link(app, "fixed")
    assert second.split("?")[0] != link  # a new link for the new round
    assert "every Monday" in client.get(second).get_data(as_text=True)
