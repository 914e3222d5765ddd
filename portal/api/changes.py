"""PATCHes: change a project, a milestone or a contact as staff do on the web, through the same
services (so the same audit, emails, webhook events and live refresh). Each needs If-Match
with the ETag last read: stale is a 412, missing a 428. Fields left out stay as they are."""

from portal.accounts import services as accounts
from portal.api import schemas
from portal.api.guard import requires, resources
from portal.api.idempotency import committed
from portal.api.models import Scope
from portal.api.writing import (
    answer,
    author,
    current,
    field_error,
    refusals,
    set_external_id,
    staff,
)
from portal.auth.models import Role, User
from portal.projects import editing, milestones
from portal.projects import services as projects
from portal.projects.models import Milestone, Project

TAKEN = "external_id already used"


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


def change_milestone(milestone: Milestone, data: dict) -> None:
    """Title, owner and place as the milestone edit page changes them; a completion as
    publishing an update records it (pulses, emails, the milestone.completed event)."""
    owner = staff(data["owner_id"], "owner_id") if "owner_id" in data else milestones.KEEP
    place = data["position"] + 1 if "position" in data else None
    with refusals():
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


def change_contact(user: User, data: dict) -> None:
    """A client contact's name; their sign-in stopped or allowed as on the users page."""
    by = author()
    with refusals():
        if "name" in data:
            accounts.rename_contact(user, name=data["name"], by=by)
        if "active" in data:
            accounts.set_active(user, data["active"], by=by)


@resources.route("/projects/<int:item_id>", methods=["PATCH"], endpoint="change_project")
@requires(Scope.WRITE)
@committed
@resources.etag
@resources.arguments(schemas.ProjectChange)
@resources.response(200, schemas.Project)
@resources.alt_response(409, description=TAKEN)
def patch_project(data: dict, item_id: int):
    """Change a project's details, or archive or restore it; send the ETag you read as
    If-Match."""
    project = current(Project, item_id, "project")
    if "external_id" in data:
        set_external_id(project, data["external_id"])
    change_project(project, data)
    return answer(project)


@resources.route("/milestones/<int:item_id>", methods=["PATCH"], endpoint="change_milestone")
@requires(Scope.WRITE)
@committed
@resources.etag
@resources.arguments(schemas.MilestoneChange)
@resources.response(200, schemas.Milestone)
@resources.alt_response(409, description=TAKEN)
def patch_milestone(data: dict, item_id: int):
    """Change a milestone's title, owner or place, or mark it delivered (`completed_on`: the
    client is asked how it went and endpoints get milestone.completed); send the ETag you read
    as If-Match. A delivered milestone is not reopened: the client's figures count it."""
    milestone = current(Milestone, item_id, "milestone")
    if "external_id" in data:
        set_external_id(milestone, data["external_id"])
    change_milestone(milestone, data)
    return answer(milestone)


@resources.route("/contacts/<int:item_id>", methods=["PATCH"], endpoint="change_contact")
@requires(Scope.WRITE)
@committed
@resources.etag
@resources.arguments(schemas.ContactChange)
@resources.response(200, schemas.Contact)
@resources.alt_response(409, description=TAKEN)
def patch_contact(data: dict, item_id: int):
    """Change a client contact's name or external_id, or stop (`active`: false, which ends
    their sessions) or allow their sign-in; send the ETag you read as If-Match."""
    user = current(User, item_id, "contact", only=lambda user: user.role == Role.CLIENT)
    if "external_id" in data:
        set_external_id(user, data["external_id"])
    change_contact(user, data)
    return answer(user)
