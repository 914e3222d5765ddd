"""PATCHes: change a project, a milestone, a contact or a closeout as staff do on the web,
through the same services (so the same audit, emails, webhook events and live refresh). Each
needs If-Match with the ETag last read: stale is a 412, missing a 428. Fields left out stay as
they are."""

from collections.abc import Callable

from flask_smorest import abort

from portal.accounts import services as accounts
from portal.api import schemas
from portal.api.answers import check_unchanged
from portal.api.guard import requires, resources
from portal.api.idempotency import committed
from portal.api.models import Scope
from portal.api.openapi import conflict
from portal.api.writes import TAKEN, render_pdf_once_committed, set_profile
from portal.api.writing import (
    DUMP,
    answer,
    author,
    current,
    field_error,
    load,
    refusals,
    set_external_id,
    staff,
)
from portal.auth.models import Role, User
from portal.closeout import services as closeouts
from portal.closeout.models import Closeout
from portal.projects import editing, milestones
from portal.projects import services as projects
from portal.projects.models import Milestone, Project


def patch(kind: str, model, schema: type, answered: type, doc: str,
          only: Callable[[object], bool] = bool) -> Callable:
    """Route PATCH /<kind>/<id> to a change function: the item as If-Match names it (412
    stale, 428 missing), its external_id if sent, then the change; answered with the item."""
    what = answered.__name__.lower()

    def decorate(change: Callable[[object, dict], None]) -> Callable:
        def view(data: dict, item_id: int):
            item = current(model, item_id, what, only)
            if "external_id" in data:
                set_external_id(item, data["external_id"])
            change(item, data)
            return answer(item)

        view.__doc__ = doc
        routed = resources.route(f"/{kind}/<int:item_id>", methods=["PATCH"],
                                 endpoint=f"change_{what}")
        routed(requires(Scope.WRITE)(committed(resources.etag(resources.arguments(schema)(
            resources.response(200, answered)(
                resources.alt_response(409, **conflict(TAKEN))(view)))))))
        return change

    return decorate


@patch("projects", Project, schemas.ProjectChange, schemas.Project, doc="""\
Change a project's details, or archive or restore it; send the ETag you read as If-Match.""")
def change_project(project: Project, data: dict) -> None:
    """The project's details, as the staff edit page changes them; archived as its button."""
    contact = staff(data["contact_id"], "contact_id") if "contact_id" in data else project.contact
    by = author()
    with refusals():
        editing.edit_project(
            project, name=data.get("name", project.name),
            summary=data.get("summary", project.summary), contact=contact,
            update_cadence_days=data.get("update_cadence_days", project.update_cadence_days),
            by=by)
    if data.get("archived") is True:
        editing.archive_project(project, by=by)
    elif data.get("archived") is False:
        editing.restore_project(project, by=by)


@patch("milestones", Milestone, schemas.MilestoneChange, schemas.Milestone, doc="""\
Change a milestone's title, owner or place, or mark it delivered; send the ETag you read as
If-Match.

`completed_on` marks it delivered on that day (not a future one): the client is asked how it
went and webhook endpoints get `milestone.completed`, as when staff publish it. A delivered
milestone is not reopened or moved: the client's promises-kept figures count that day.""")
def change_milestone(milestone: Milestone, data: dict) -> None:
    """Title, owner and place as the milestone edit page changes them; a completion as
    publishing an update records it (pulses, emails, the milestone.completed event)."""
    owner = staff(data["owner_id"], "owner_id") if "owner_id" in data else milestones.KEEP
    place = data["position"] + 1 if "position" in data else None
    with refusals(renamed={"place": "position"}):
        milestones.edit_milestone(
            milestone, title=data.get("title", milestone.title), owner=owner, place=place,
            stamp=milestones.milestone_stamp(milestone), by=author())
    if "completed_on" not in data or data["completed_on"] == milestone.completed_on:
        return
    if milestone.is_done:
        field_error("completed_on", f"This milestone was delivered on {milestone.completed_on}:"
                    " the client's promises-kept figures count that day, so it cannot be "
                    "reopened or moved.")
    if data["completed_on"] is not None:
        with refusals():
            projects.change_milestone(milestone, by=author(), completed_on=data["completed_on"])


@patch("contacts", User, schemas.ContactChange, schemas.Contact, doc="""\
Change a client contact's name, job title, phone or external_id, or stop or allow their
sign-in; send the ETag you read as If-Match.

Name, job title and phone are checked and audited as on the staff profile form; an empty or
null job title or phone removes it. `active`: false stops their sign-in and ends their open
sessions, as on the admin's users page; true allows it again. The email changes only when the
person changes it.""",
       only=lambda user: user.role == Role.CLIENT)
def change_contact(user: User, data: dict) -> None:
    """A client contact's name, job title and phone as the profile form saves them; their
    sign-in stopped or allowed as on the users page."""
    set_profile(user, data)
    if "active" in data:
        with refusals():
            accounts.set_active(user, data["active"], by=author())


@resources.route("/projects/<int:item_id>/closeout", methods=["PATCH"],
                 endpoint="change_closeout")
@requires(Scope.WRITE)
@committed
@resources.etag
@resources.arguments(schemas.CloseoutChange)
@resources.response(200, schemas.Closeout)
@resources.alt_response(409, **conflict("someone saved the closeout while this was sent"))
def change_closeout(data: dict, item_id: int):
    """Edit a project's published closeout, as the staff closeout page does; send the ETag
    you read (GET /closeouts/{id}) as If-Match.

    The client sees the change on the closeout page and the PDF is rendered again; a new
    client-care contact takes the account over. 404 while the project has no closeout
    (publish it with POST), 422 when a part the client relies on is emptied."""
    closeout = load(Project, item_id, "project").closeout
    if closeout is None:
        abort(404, message=f"Project {item_id} has no closeout yet: publish it with POST.")
    check_unchanged(DUMP[Closeout](closeout))
    care = (staff(data.pop("care_contact_id"), "care_contact_id")
            if "care_contact_id" in data else closeout.care_contact)
    text = {name: data.get(name, getattr(closeout, name)) for name in closeouts.TEXT_FIELDS}
    with refusals():
        closeouts.edit_closeout(closeout, care_contact=care, by=author(),
                                seen=closeouts.closeout_version(closeout), **text)
    render_pdf_once_committed(closeout)
    return answer(closeout)
