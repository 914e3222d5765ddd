"""On a privacy request an admin erases a client organisation's data: its people are
anonymised and can no longer sign in, their pulse comments, questions and replies, emails and
links are removed, while projects and pulse scores stay, so the reports' figures do not move.
The admin types the organisation's name to confirm; the page says what was removed."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.erasure import REMOVED
from portal.audit.models import AuditEvent
from portal.auth.models import EmailToken, Role, User
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.projects import questions
from portal.projects.models import Project, Question, Reply
from portal.pulses import loop, reports
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest
from tests.conftest import sign_in


@pytest.fixture
def firm(make):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    admin = make.user("ada@firm.example", role=Role.ADMIN, name="Ada Admin")
    return {"staff": staff, "admin": admin}


def _client_with_data(app, make, firm, org: str, email: str) -> dict:
    """A client of `org` who answered a pulse with a comment and asked a question (replied)."""
    client = make.user(email, organization=org, name="Jordan Lee")
    project = make.project(org, name=f"{org} portal")
    question = make.question(project, author=client, body="Jordan's phone is 555-0100")
    with app.app_context():
        questions.reply_to(db.session.get(Question, question.id),
                           author=db.session.get(User, firm["staff"].id), body="Call you then")
        request = pulses.request_pulse(db.session.get(User, client.id),
                                       trigger=pulses.Trigger.PERIODIC, project=None)
        pulses.record_answers(request, comments={q.id: "I am unhappy, Jordan"
                                                 for q in request.template.questions},
                              scores={q.id: 3 for q in request.template.questions},
                              contact_me=True)
        follow_up = db.session.scalars(select(FollowUp).where(
            FollowUp.request_id == request.id)).one()
        loop.resolve_follow_up(follow_up, by=db.session.get(User, firm["staff"].id),
                               summary="We called you at home", note="Called Jordan at home")
        db.session.commit()
        return {"client": client.id, "organization": project.organization_id,
                "project": project.id}


@pytest.fixture
def acme(app, make, firm):
    return _client_with_data(app, make, firm, "Acme Corp", "jordan@acme.example")


@pytest.fixture
def globex(app, make, firm):
    return _client_with_data(app, make, firm, "Globex", "sam@globex.example")


def _facts(organization_id: int) -> dict:
    """What the organisation holds, counted straight from the tables."""
    people = select(User.id).where(User.organization_id == organization_id)
    projects = select(Project.id).where(Project.organization_id == organization_id)
    asked = select(Question.id).where(Question.project_id.in_(projects))
    answers = select(PulseAnswer).join(PulseRequest).where(
        PulseRequest.organization_id == organization_id)
    count = lambda stmt: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(stmt.subquery()))
    return {
        "named people": count(people.where(User.name != "Removed client")),
        "active people": count(people.where(User.active.is_(True))),
        "passwords": count(people.where(User.password_hash.is_not(None))),
        "comments": count(answers.where(PulseAnswer.comment.is_not(None))),
        "scores": count(answers.where(PulseAnswer.score.is_not(None))),
        "score total": db.session.scalar(select(func.sum(PulseAnswer.score)).join(PulseRequest)
                                         .where(PulseRequest.organization_id == organization_id)),
        "question texts": count(asked.where(Question.body != REMOVED)),
        "questions": count(asked),
        "reply texts": count(select(Reply.id).where(Reply.question_id.in_(asked),
                                                    Reply.body != REMOVED)),
        "notes": count(select(FollowUp.id).join(PulseRequest).where(
            PulseRequest.organization_id == organization_id, FollowUp.resolution != REMOVED)),
        "emails": count(select(OutboxMessage.id).where(OutboxMessage.user_id.in_(people))),
        "links": count(select(EmailToken.id).where(EmailToken.user_id.in_(people))),
        "projects": count(projects),
    }


def _path(org: dict) -> str:
    return f"/admin/accounts/{org['organization']}/erase"


def test_an_admin_erases_one_clients_data_and_the_page_says_what_went(
        app, firm, acme, globex, signed_in, post_form):
    with app.app_context():
        before, globex_before = _facts(acme["organization"]), _facts(globex["organization"])
    assert before["named people"] == 1 and before["comments"] >= 1 and before["emails"] >= 1
    admin = signed_in("ada@firm.example")
    page = admin.get(_path(acme)).get_data(as_text=True)
    assert "Erase client data" in page and "Acme Corp" in page

    response = post_form(admin, _path(acme), {"typed_name": "Acme Corp"})

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Client data erased" in text
    with app.app_context():
        after = _facts(acme["organization"])
        for kind, count in [("People anonymised and signed out", 1),
                            ("Pulse comments", before["comments"]), ("Questions", 1),
                            ("Replies", 1), ("Follow-up notes about them", 1),
                            ("Emails to them", before["emails"]),
                            ("Sign-in and invitation links", before["links"])]:
            assert f'<th scope="row">{kind}</th><td>{count}</td>' in text
        assert after == {**before, "named people": 0, "active people": 0, "passwords": 0,
                         "comments": 0, "question texts": 0, "reply texts": 0, "notes": 0,
                         "emails": 0, "links": 0}
        assert _facts(globex["organization"]) == globex_before
        person = db.session.get(User, acme["client"])
        assert "jordan" not in person.email and person.phone is None
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "organization.client_data_erased")).one()
        assert audit.actor_email == "ada@firm.example"
        assert "Jordan" not in audit.summary and "jordan" not in audit.summary
        assert f"pulse comments: {before['comments']}" in audit.summary


def test_erasing_twice_removes_nothing_more_and_says_so(app, firm, acme, signed_in, post_form):
    admin = signed_in("ada@firm.example")
    post_form(admin, _path(acme), {"typed_name": "Acme Corp"})
    with app.app_context():
        once = _facts(acme["organization"])

    assert "Nothing left to erase" in admin.get(_path(acme)).get_data(as_text=True)
    again = post_form(admin, _path(acme), {"typed_name": "Acme Corp"})

    assert "Nothing more to erase" in again.get_data(as_text=True)
    with app.app_context():
        assert _facts(acme["organization"]) == once


@pytest.mark.parametrize("typed", ["acme corp", "Acme Corp ", "Acme", ""])
def test_the_name_must_be_typed_exactly_or_nothing_changes(
        app, firm, acme, signed_in, post_form, typed):
    with app.app_context():
        before = _facts(acme["organization"])
    admin = signed_in("ada@firm.example")

    response = post_form(admin, _path(acme), {"typed_name": typed})

    assert response.status_code == 422
    assert "Type the organisation&#39;s name exactly as shown" in response.get_data(as_text=True)
    with app.app_context():
        assert _facts(acme["organization"]) == before
        assert not db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "organization.client_data_erased"))


def test_without_the_csrf_token_nothing_is_erased(app, firm, acme, signed_in):
    with app.app_context():
        before = _facts(acme["organization"])
    admin = signed_in("ada@firm.example")

    response = admin.post(_path(acme), data={"typed_name": "Acme Corp"})

    assert response.status_code in (400, 422)
    with app.app_context():
        assert _facts(acme["organization"]) == before


@pytest.mark.parametrize(("email", "form_page"), [("priya@firm.example", "/staff/profile"),
                                                  ("jordan@acme.example", "/account"),
                                                  ("sam@globex.example", "/account")])
def test_clients_and_staff_do_not_find_the_page(
        app, firm, acme, globex, signed_in, post_form, email, form_page):
    browser = signed_in(email)
    assert browser.get(_path(acme)).status_code == 404
    assert post_form(browser, _path(acme), {"typed_name": "Acme Corp"},
                     form_page=form_page).status_code == 404
    with app.app_context():
        assert _facts(acme["organization"])["comments"] >= 1
        assert _facts(acme["organization"])["named people"] == 1


def test_the_pulse_report_figures_stay_the_same(app, firm, acme, globex, signed_in, post_form):
    def figures():
        with app.app_context():
            return [reports.figures(reports.scope_for(
                since=date(2000, 1, 1), until=None, organization_id=org,
                project_id=None)) for org in (None, acme["organization"])]
    before = figures()
    assert before[1].answered == 1

    post_form(signed_in("ada@firm.example"), _path(acme), {"typed_name": "Acme Corp"})

    assert figures() == before


def test_the_erased_people_cannot_sign_in(app, firm, acme, signed_in, post_form):
    post_form(signed_in("ada@firm.example"), _path(acme), {"typed_name": "Acme Corp"})

    response = sign_in(app.test_client(), "jordan@acme.example")

    assert response.status_code != 302
    with app.app_context():
        erased = db.session.get(User, acme["client"])
        assert response.status_code != 302
        assert sign_in(app.test_client(), erased.email).status_code != 302


def test_admins_find_it_in_the_accounts_danger_zone(app, firm, acme, signed_in):
    link = _path(acme)
    assert link in signed_in("ada@firm.example").get(
        f"/staff/accounts/{acme['organization']}").get_data(as_text=True)
    assert link not in signed_in("priya@firm.example").get(
        f"/staff/accounts/{acme['organization']}").get_data(as_text=True)


def test_an_erased_persons_open_session_ends(app, firm, acme, signed_in, post_form):
    jordan = signed_in("jordan@acme.example")
    assert jordan.get(f"/projects/{acme['project']}").status_code == 200

    post_form(signed_in("ada@firm.example"), _path(acme), {"typed_name": "Acme Corp"})

    response = jordan.get(f"/projects/{acme['project']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_past_audit_entries_keep_what_happened_but_name_the_people_by_a_pseudonym(
        app, firm, acme, globex, signed_in, post_form):
    """A privacy request covers the audit log: every entry stays, with its action, time and
    target, but an erased person's addresses (now and before an email change) become their
    pseudonym, the network addresses they acted from are forgotten, and follow-up notes copied
    into it go. Other people's entries, look-alike addresses included, are untouched."""
    from portal.audit import services as audit

    sign_in(app.test_client(), "jordan@acme.example")  # an entry by Jordan, with an IP address
    with app.app_context():
        jordan, staff = db.session.get(User, acme["client"]), db.session.get(User, firm["staff"].id)
        for action, actor, summary in [
            ("auth.email_changed", jordan, "Jordan.Old@acme.example to jordan@acme.example"),
            ("auth.email_change_requested", jordan,
             "jordan@acme.example to sam@globex.example (taken: no link sent)"),
            ("auth.sign_in_throttled", None, "sign-in delays began for jordan.old@acme.example"),
            ("user.invited", staff, "jordan@acme.example, link valid until 2026-12-08 10:00 UTC"),
            ("user.invited", staff, "xjordan@acme.example, link valid until 2026-12-08 10:00"),
        ]:
            audit.record(action, actor=actor, target=jordan, organization=jordan.organization,
                         summary=summary, ip_address="203.0.113.7")
        db.session.commit()
        entries_before = set(db.session.scalars(select(AuditEvent.id)))
    admin = signed_in("ada@firm.example")
    preview = admin.get(_path(acme)).get_data(as_text=True)
    assert ('<th scope="row">Audit entries naming them (kept, with a pseudonym)</th><td>8</td>'
            in preview)  # five above, the sign-in, Jordan's creation and the follow-up note

    post_form(admin, _path(acme), {"typed_name": "Acme Corp"})

    with app.app_context():
        pseudonym = db.session.get(User, acme["client"]).email
        assert pseudonym == f"removed-{acme['client']}@erased.invalid"
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert entries_before < {e.id for e in entries}  # nothing deleted
        text = " ".join(f"{e.actor_email} {e.summary}" for e in entries).lower()
        assert "jordan@acme.example" not in text.replace("xjordan@", "")
        assert "jordan.old@" not in text
        assert text.count("called jordan at home") == 1  # Globex's note about its own Jordan
        summaries = [e.summary for e in entries]
        assert f"{pseudonym} to {pseudonym}" in summaries
        assert f"{pseudonym} to sam@globex.example (taken: no link sent)" in summaries
        assert f"sign-in delays began for {pseudonym}" in summaries
        assert "xjordan@acme.example, link valid until 2026-12-08 10:00" in summaries
        assert REMOVED in summaries  # the follow-up note's entry, kept as an entry
        by_jordan = [e for e in entries if e.actor_id == acme["client"]]
        assert len(by_jordan) >= 3
        assert all(e.actor_email == pseudonym and e.ip_address is None for e in by_jordan)
        by_staff = [e for e in entries if e.actor_email == "priya@firm.example"]
        assert by_staff and all(e.ip_address == "203.0.113.7" for e in by_staff
                                if e.action == "user.invited")
        assert f"user.created {pseudonym} as client" in " ".join(
            f"{e.action} {e.summary}" for e in entries)
        erased = [e for e in entries if e.action == "organization.client_data_erased"]
        assert len(erased) == 1 and "audit entries naming them" in erased[0].summary
        assert erased[0].actor_email == "ada@firm.example"

    again = admin.get(_path(acme)).get_data(as_text=True)
    assert "Nothing left to erase" in again
