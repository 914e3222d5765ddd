"""Writes, through the same services as the web forms: the same rules, emails, pulses, audit
and live refresh (and, for whoever adds them, the same place to raise events). Each is
committed once (idempotency.committed); a refusal is a 422 naming the field. The steps every
view shares are in writing.py; changes.py holds the PATCHes, upserts.py the PUTs by
external_id."""

from collections.abc import Callable

from flask import Response, after_this_request

from portal.accounts import services as accounts
from portal.accounts.models import Organization
from portal.api import idempotency, openapi, schemas
from portal.api.guard import requires, resources
from portal.api.idempotency import committed
from portal.api.models import Scope
from portal.api.writing import answer, author, load, refusals, set_external_id, staff
from portal.auth.models import User
from portal.closeout import jobs as closeout_jobs
from portal.closeout import services as closeouts
from portal.closeout.models import Closeout
from portal.projects import questions
from portal.projects import services as projects
from portal.projects.models import Milestone, Project, Question
from portal.touchpoints import services as touchpoints

TAKEN = "external_id already used"


def posted(path: str, endpoint: str, schema: type, answered: type,
           conflict: str | None = None) -> Callable:
    """Route a view as a POST that creates something (201, replayed for an Idempotency-Key),
    for keys with the write scope; `conflict` documents its 409."""

    def decorate(view: Callable) -> Callable:
        if conflict:
            view = resources.alt_response(409, **openapi.conflict(conflict))(view)
        documented = resources.doc(parameters=[idempotency.PARAMETER])(
            resources.arguments(schema)(resources.response(201, answered)(view)))
        return resources.route(path, methods=["POST"], endpoint=endpoint)(
            requires(Scope.WRITE)(committed(documented)))

    return decorate


def open_project(data: dict, external_id: str | None) -> Project:
    """A new project from a create or an upsert's body, as the staff form opens one."""
    organization = load(Organization, data["account_id"], "account")
    with refusals():
        project = projects.create_project(
            organization, name=data["name"], summary=data["summary"],
            contact=staff(data.get("contact_id"), "contact_id"),
            update_cadence_days=data["update_cadence_days"], eta=data.get("eta"),
            eta_confidence=data["eta_confidence"], started_on=data.get("started_on"),
            by=author())
    set_external_id(project, external_id)
    return project


def add_milestone(project: Project, data: dict, external_id: str | None) -> Milestone:
    """A new milestone at the end of the project's plan, as the staff form adds one."""
    with refusals():
        milestone = projects.add_milestone(
            project, title=data["title"], owner=staff(data.get("owner_id"), "owner_id"),
            planned_on=data.get("planned_on"))
    set_external_id(milestone, external_id)
    return milestone


def invite(data: dict) -> User:
    """The client contact, created if new, with an invitation emailed as staff send one; a
    job title and phone set as the admin's new-user form sets them."""
    organization = load(Organization, data["account_id"], "account")
    with refusals():
        user, _ = accounts.invite_client(organization, email=data["email"], name=data["name"],
                                         by=author())
    set_profile(user, {name: data[name] for name in ("job_title", "phone") if name in data})
    return user


def set_profile(user: User, data: dict) -> None:
    """The name, job title and phone `data` holds, saved as the profile form saves them (the
    same checks and audit); the others stay."""
    if data.keys() & {"name", "job_title", "phone"}:
        with refusals():
            accounts.update_profile(
                user, name=data.get("name", user.name),
                job_title=data.get("job_title", user.job_title),
                phone=data.get("phone", user.phone), by=author())


@posted("/projects", "create_project", schemas.ProjectCreate, schemas.Project, conflict=TAKEN)
def create_project(data: dict):
    """Open a project for an account (a sync upserts with PUT /projects/external/{id})."""
    return answer(open_project(data, data.get("external_id")), 201)


@posted("/projects/<int:item_id>/milestones", "create_milestone", schemas.MilestoneCreate,
        schemas.Milestone, conflict=TAKEN)
def create_milestone(data: dict, item_id: int):
    """Add a milestone at the end of a project's plan."""
    project = load(Project, item_id, "project")
    return answer(add_milestone(project, data, data.get("external_id")), 201)


@posted("/projects/<int:item_id>/updates", "publish_update", schemas.UpdateCreate, schemas.Update)
def publish_update(data: dict, item_id: int):
    """Publish an update as the staff form does: a later ETA needs a `reason`; clients are
    emailed, asked for a pulse if `ask_feedback`, and their open pages refresh."""
    project = load(Project, item_id, "project")
    with refusals():
        update = projects.publish_update(
            project, author=author(), body=data["body"], status=data["status"],
            eta=data.get("eta"), eta_confidence=data.get("eta_confidence"),
            reason=data.get("reason"), internal_note=data.get("internal_note"),
            ask_feedback=data["ask_feedback"])
    return answer(update, 201)


@posted("/projects/<int:item_id>/questions", "ask_question", schemas.QuestionCreate,
        schemas.Question)
def ask_question(data: dict, item_id: int):
    """Open a thread on a project (staff are notified as for a client's question)."""
    project = load(Project, item_id, "project")
    with refusals():
        question = questions.ask_question(project, author=author(), body=data["body"],
                                          kind=data["kind"])
    return answer(question, 201)


@posted("/questions/<int:item_id>/replies", "reply", schemas.ReplyCreate, schemas.Question)
def reply(data: dict, item_id: int):
    """Reply in a thread; the first reply from staff is the time to first answer."""
    question = load(Question, item_id, "question")
    with refusals():
        questions.reply_to(question, author=author(), body=data["body"])
    return answer(question, 201)


@posted("/contacts", "invite_contact", schemas.ContactCreate, schemas.Contact)
def invite_contact(data: dict):
    """Add a client contact to an account and email them an invitation (as staff do)."""
    return answer(invite(data), 201)


@posted("/projects/<int:item_id>/closeout", "publish_closeout", schemas.CloseoutCreate,
        schemas.Closeout, conflict="the project already has a closeout")
def publish_closeout(data: dict, item_id: int):
    """Close a finished project out, as the staff closeout page does.

    The project closes on `delivered_on` if still open; the client is emailed the summary
    and asked how it went, the account goes to the client-care contact, and endpoints get
    `closeout.published`. Refused (422) while the project is not finished: status done, or
    every milestone delivered. A project has one closeout (another POST is a 409)."""
    project = load(Project, item_id, "project")
    with refusals():
        closeout = closeouts.publish_closeout(
            project, care_contact=staff(data.pop("care_contact_id"), "care_contact_id"),
            delivered_on=data.pop("delivered_on", None), by=author(), **data)
    render_pdf_once_committed(closeout)
    return answer(closeout, 201)


def render_pdf_once_committed(closeout: Closeout) -> None:
    """Queue the closeout's PDF after the commit (as the web page does), if there is one."""
    closeout_id = closeout.id

    @after_this_request
    def render(response: Response) -> Response:
        if response.status_code < 300:
            closeout_jobs.render_pdf_soon(closeout_id)
        return response


@posted("/accounts/<int:item_id>/touchpoints", "log_touchpoint", schemas.TouchpointCreate,
        schemas.Touchpoint)
def log_touchpoint(data: dict, item_id: int):
    """Log a call, meeting or site visit on an account, as the account page does."""
    organization = load(Organization, item_id, "account")
    by = author()
    with refusals():
        touchpoint = touchpoints.log_touchpoint(
            organization, by=by, kind=data["kind"], occurred_on=data["occurred_on"],
            staff=staff(data["staff_id"], "staff_id") if data.get("staff_id") else by,
            client_people=data["client_people"], note=data["note"],
            client_summary=data.get("client_summary"))
    return answer(touchpoint, 201)
