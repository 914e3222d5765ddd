"""A client asks a question on a project; staff see it in their inbox and answer it there."""

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project, Question
from portal.projects.questions import unanswered_questions


def test_a_client_asks_and_staff_answer_from_their_inbox(app, signed_in, make, post_form):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Portal")
    client = signed_in("jordan@acme.example")
    page = f"/projects/{project.id}"
    response = post_form(client, f"{page}/questions",
                         {"kind": "concern", "body": "Will the **launch** slip?"}, page)
    assert response.status_code == 302

    staff = signed_in("priya@firm.example")
    home = staff.get("/").get_data(as_text=True)
    assert "Questions waiting for an answer" in home and "concern from Jordan Blake" in home
    with app.app_context():
        question = db.session.scalars(select(Question)).one()
        assert question.first_answered_at is None
    response = post_form(staff, f"{page}/questions/{question.id}/replies",
                         {"body": "No: we have a week of slack."}, page)
    assert response.status_code == 302
    assert "Every question has an answer" in staff.get("/").get_data(as_text=True)

    thread = client.get(page).get_data(as_text=True)
    assert "<strong>launch</strong>" in thread and "we have a week of slack" in thread
    with app.app_context():
        assert db.session.scalars(select(Question)).one().first_answered_at is not None
    assert "to a first answer to your questions" in client.get("/").get_data(as_text=True)


def test_a_client_reply_does_not_count_as_an_answer(app, signed_in, make, post_form):
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    question = make.question(project, author=jordan)
    client = signed_in("jordan@acme.example")
    page = f"/projects/{project.id}"
    post_form(client, f"{page}/questions/{question.id}/replies", {"body": "Any news?"}, page)
    with app.app_context():
        assert db.session.get(Question, question.id).first_answered_at is None


def test_an_empty_question_is_refused_and_nothing_saved(app, signed_in, make, post_form):
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    page = f"/projects/{project.id}"
    response = post_form(signed_in("jordan@acme.example"), f"{page}/questions",
                         {"kind": "question", "body": "   "}, page)
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Question)).first() is None


def test_a_client_sending_too_many_messages_gets_the_form_back_with_the_text_kept(
        app, signed_in, make, post_form):
    import html
    import re

    from sqlalchemy import func

    from portal.accounts.models import Organization
    from portal.auth.models import User
    from portal.notifications.models import OutboxMessage
    from portal.projects.models import Reply

    app.config["MESSAGE_LIMIT_PER_USER"] = "3 per hour"
    owner = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Portal")
    with app.app_context():
        db.session.scalars(select(Organization)).one().account_owner = db.session.get(
            User, owner.id)
        db.session.commit()
    client, page = signed_in("jordan@acme.example"), f"/projects/{project.id}"
    empty = post_form(client, f"{page}/questions", {"kind": "question", "body": " "}, page)
    assert empty.status_code == 422  # refused, so not counted
    for n in range(3):
        sent = post_form(client, f"{page}/questions", {"kind": "question",
                                                       "body": f"Question {n}?"}, page)
        assert sent.status_code == 302, n

    typed = "When does **phase two** start? We need to book the trainers."
    refused = post_form(client, f"{page}/questions", {"kind": "concern", "body": typed}, page)
    text = html.unescape(refused.get_data(as_text=True))
    wait = int(refused.headers["Retry-After"])
    assert refused.status_code == 429 and 3000 < wait <= 3661  # the hour, to the second
    assert "Not sent: you have sent 3 messages this hour" in text
    assert 55 <= int(re.search(r"send it again in (\d+) minutes", text).group(1)) <= 61
    assert text.count(typed) == 1  # in the question form, to send later (not in every reply)
    with app.app_context():
        question = db.session.scalars(select(Question).order_by(Question.id)).first()
    reply = post_form(client, f"{page}/questions/{question.id}/replies",
                      {"body": "Also: the trainers."}, page)
    assert reply.status_code == 429 and "Also: the trainers." in reply.get_data(as_text=True)
    assert typed not in reply.get_data(as_text=True)

    staff = signed_in("priya@firm.example")
    for n in range(4):  # staff answering every question are never held up
        answered = post_form(staff, f"{page}/questions/{question.id}/replies",
                             {"body": f"Answer {n}."}, page)
        assert answered.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 3
        assert db.session.scalar(select(func.count()).select_from(Reply)) == 4
        to_owner = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_address == "priya@firm.example")
        assert db.session.scalar(to_owner) == 3  # one email per question that was sent


def test_questions_on_archived_projects_and_accounts_leave_the_staff_inbox(app, signed_in, make):
    make.user("priya@firm.example", role=Role.STAFF)
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    sam = make.user("sam@globex.example", organization="Globex")
    live = make.project("Acme Corp", name="Live")
    shelved = make.project("Acme Corp", name="Shelved")
    elsewhere = make.project("Globex", name="Elsewhere")
    make.question(live, author=jordan, body="Still open on a live project")
    make.question(shelved, author=jordan, body="Open on an archived project")
    make.question(elsewhere, author=sam, body="Open on an archived account")
    with app.app_context():
        db.session.get(Project, shelved.id).archived_at = utcnow()
        db.session.get(Organization, elsewhere.organization_id).archived_at = utcnow()
        db.session.commit()
        inbox = [q.body for q in unanswered_questions()]
    assert inbox == ["Still open on a live project"]

    home = signed_in("priya@firm.example").get("/").get_data(as_text=True)
    assert "Questions waiting for an answer" in home
    assert "Live" in home and "Shelved" not in home and "Elsewhere" not in home
