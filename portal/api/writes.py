"""Writes, through the same services as the web forms: the same rules, emails, pulses, audit
and live refresh (and, for whoever adds them, the same place to raise events). Each is
committed once (idempotency.committed); a refusal is a 422 naming the field."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import url_for
from flask_smorest import abort
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Organization
from portal.api import schemas
from portal.api.answers import check_unchanged, dumper, json_answer
from portal.api.guard import current_key, requires, resources
from portal.api.idempotency import committed
from portal.api.models import Scope
from portal.auth.models import Role, User
from portal.auth.services import UserError
from portal.extensions import db
from portal.projects import editing, questions
from portal.projects import services as projects
from portal.projects.models import Project, Question
from portal.projects.services import ProjectError
from portal.touchpoints import services as touchpoints
from portal.touchpoints.services import TouchpointError

DUMP = {name: dumper(getattr(schemas, name))
        for name in ("Project", "Milestone", "Update", "Question", "Contact", "Touchpoint")}


def author() -> User:
    """Who a key's writes are made as: the admin who created it (the audit names the key)."""
    created_by_id = current_key().created_by_id
    creator = db.session.get(User, created_by_id) if created_by_id else None
    if creator is None or not creator.active:
        abort(403, message="The admin who created this key is gone; create a new key.")
    return creator


@contextmanager
def refusals(location: str = "json") -> Iterator[None]:
    """A service's refusal as a 422 naming the field, as the form would show it."""
    try:
        yield
    except ProjectError as error:
        db.session.rollback()
        abort(422, message=str(error), errors={location: {error.field: [str(error)]}})
    except UserError as error:
        db.session.rollback()
        abort(422, message=str(error), errors={location: {"email": [str(error)]}})
    except TouchpointError as error:
        db.session.rollback()
        abort(422, message=str(error), errors={location: {error.field: [str(error)]}})


def _load(model, item_id: int, what: str):
    return db.get_or_404(model, item_id, description=f"No {what} with id {item_id}.")


def _staff(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.role not in (Role.STAFF, Role.ADMIN):
        abort(422, errors={"json": {field: ["Not a member of staff."]}})
    return user


def _unique_external_id(model, external_id: str | None, own_id: int | None = None) -> None:
    if external_id is None:
        return
    taken = db.session.scalar(select(model.id).where(model.external_id == external_id))
    if taken is not None and taken != own_id:
        abort(409, message=f"external_id {external_id} is already item {taken}.",
              errors={"json": {"external_id": [f"Already used by id {taken}."]}})


@resources.route("/projects", methods=["POST"], endpoint="create_project")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.ProjectCreate)
@resources.response(201, schemas.Project)
@resources.alt_response(409, description="external_id already used")
def create_project(data: dict):
    """Open a project for an account (upsert: look it up by external_id first)."""
    organization = _load(Organization, data["account_id"], "account")
    _unique_external_id(Project, data.get("external_id"))
    with refusals():
        project = projects.create_project(
            organization, name=data["name"], summary=data["summary"],
            contact=_staff(data.get("contact_id"), "contact_id"),
            update_cadence_days=data["update_cadence_days"], eta=data.get("eta"),
            eta_confidence=data["eta_confidence"], started_on=data.get("started_on"),
            by=author())
        project.external_id = data.get("external_id")
        db.session.flush()
    return json_answer(DUMP["Project"](project), 201,
                       {"Location": url_for(".get_project", item_id=project.id)})


@resources.route("/projects/<int:item_id>", methods=["PATCH"], endpoint="change_project")
@requires(Scope.WRITE)
@committed
@resources.etag
@resources.arguments(schemas.ProjectChange)
@resources.response(200, schemas.Project)
@resources.alt_response(409, description="external_id already used")
def change_project(data: dict, item_id: int):
    """Change a project's details; send the ETag you read as If-Match."""
    project = _load(Project, item_id, "project")
    check_unchanged(DUMP["Project"](project))
    if "external_id" in data:
        _unique_external_id(Project, data["external_id"], project.id)
        project.external_id = data["external_id"]
    contact = (_staff(data["contact_id"], "contact_id") if "contact_id" in data
               else project.contact)
    with refusals():
        editing.edit_project(
            project, name=data.get("name", project.name),
            summary=data.get("summary", project.summary), contact=contact,
            update_cadence_days=data.get("update_cadence_days", project.update_cadence_days),
            by=author())
    return json_answer(DUMP["Project"](project))


@resources.route("/projects/<int:item_id>/milestones", methods=["POST"],
                 endpoint="create_milestone")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.MilestoneCreate)
@resources.response(201, schemas.Milestone)
@resources.alt_response(409, description="external_id already used")
def create_milestone(data: dict, item_id: int):
    """Add a milestone at the end of a project's plan."""
    from portal.projects.models import Milestone

    project = _load(Project, item_id, "project")
    _unique_external_id(Milestone, data.get("external_id"))
    with refusals():
        milestone = projects.add_milestone(
            project, title=data["title"], owner=_staff(data.get("owner_id"), "owner_id"),
            planned_on=data.get("planned_on"))
        milestone.external_id = data.get("external_id")
        db.session.flush()
    return json_answer(DUMP["Milestone"](milestone), 201,
                       {"Location": url_for(".get_milestone", item_id=milestone.id)})


@resources.route("/projects/<int:item_id>/updates", methods=["POST"], endpoint="publish_update")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.UpdateCreate)
@resources.response(201, schemas.Update)
def publish_update(data: dict, item_id: int):
    """Publish an update as the staff form does: a later ETA needs a `reason`; clients are
    emailed, asked for a pulse if `ask_feedback`, and their open pages refresh."""
    project = _load(Project, item_id, "project")
    with refusals():
        update = projects.publish_update(
            project, author=author(), body=data["body"], status=data["status"],
            eta=data.get("eta"), eta_confidence=data.get("eta_confidence"),
            reason=data.get("reason"), internal_note=data.get("internal_note"),
            ask_feedback=data["ask_feedback"])
    return json_answer(DUMP["Update"](update), 201,
                       {"Location": url_for(".get_update", item_id=update.id)})


@resources.route("/projects/<int:item_id>/questions", methods=["POST"], endpoint="ask_question")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.QuestionCreate)
@resources.response(201, schemas.Question)
def ask_question(data: dict, item_id: int):
    """Open a thread on a project (staff are notified as for a client's question)."""
    project = _load(Project, item_id, "project")
    with refusals():
        question = questions.ask_question(project, author=author(), body=data["body"],
                                          kind=data["kind"])
    return json_answer(DUMP["Question"](question), 201,
                       {"Location": url_for(".get_question", item_id=question.id)})


@resources.route("/questions/<int:item_id>/replies", methods=["POST"], endpoint="reply")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.ReplyCreate)
@resources.response(201, schemas.Question)
def reply(data: dict, item_id: int):
    """Reply in a thread; the first reply from staff is the time to first answer."""
    question = _load(Question, item_id, "question")
    with refusals():
        questions.reply_to(question, author=author(), body=data["body"])
    return json_answer(DUMP["Question"](question), 201,
                       {"Location": url_for(".get_question", item_id=question.id)})


@resources.route("/contacts", methods=["POST"], endpoint="invite_contact")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.ContactCreate)
@resources.response(201, schemas.Contact)
def invite_contact(data: dict):
    """Add a client contact to an account and email them an invitation (as staff do)."""
    organization = _load(Organization, data["account_id"], "account")
    with refusals():
        user, _ = accounts.invite_client(organization, email=data["email"], name=data["name"],
                                         by=author())
    return json_answer(DUMP["Contact"](user), 201,
                       {"Location": url_for(".get_contact", item_id=user.id)})


@resources.route("/accounts/<int:item_id>/touchpoints", methods=["POST"],
                 endpoint="log_touchpoint")
@requires(Scope.WRITE)
@committed
@resources.arguments(schemas.TouchpointCreate)
@resources.response(201, schemas.Touchpoint)
def log_touchpoint(data: dict, item_id: int):
    """Log a call, meeting or site visit on an account, as the account page does."""
    organization = _load(Organization, item_id, "account")
    by = author()
    staff = _staff(data["staff_id"], "staff_id") if data.get("staff_id") else by
    with refusals():
        touchpoint = touchpoints.log_touchpoint(
            organization, by=by, kind=data["kind"], occurred_on=data["occurred_on"],
            staff=staff, client_people=data["client_people"], note=data["note"],
            client_summary=data.get("client_summary"))
    return json_answer(DUMP["Touchpoint"](touchpoint), 201,
                       {"Location": url_for(".get_touchpoint", item_id=touchpoint.id)})
