"""Upserts by external_id: one PUT per record a sync sends, at /<kind>/external/<external_id>.

The firm's other tool names its records by its own ids, so the URL names the record that way:
a PUT there creates the record when no item has that external_id (201 with a Location at its
portal id) and otherwise changes it (200), through the same steps as POST and PATCH. The body
is the whole record (a field left out takes its default, as on creation); fields only a
creation sets say so. If-Match is optional: sent, it is checked (412 if stale, and 412 when
there is nothing yet to match); left out, a sync that is the source of truth overwrites.
An Idempotency-Key replays the first answer, as for a POST.
"""

from collections.abc import Callable

from flask import request
from flask_smorest import abort

from portal.api import idempotency, schemas
from portal.api.changes import change_contact, change_milestone, change_project
from portal.api.guard import requires, resources
from portal.api.idempotency import committed
from portal.api.models import Scope
from portal.api.writes import add_milestone, invite, open_project
from portal.api.writing import (
    answer,
    by_external_id,
    checked_if_sent,
    field_error,
    load,
    set_external_id,
)
from portal.auth import services as auth
from portal.auth.models import Role, User
from portal.projects.models import Milestone, Project

PATH = {"in": "path", "name": "external_id", "required": True,
        "description": "The record's id in the firm's other tool",
        "schema": {"type": "string", "minLength": 1, "maxLength": 64,
                   "pattern": schemas.ONE_LINE.regex.pattern}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False,
            "description": "The ETag last read: checked when sent (412 if stale); leave it out "
                           "to overwrite, as a sync that is the source of truth may",
            "schema": {"type": "string"}}


def upsert(kind: str, schema: type, answered: type) -> Callable:
    """Route a view as PUT /<kind>/external/<external_id>, documented as an upsert."""

    def decorate(view: Callable) -> Callable:
        routed = resources.route(
            f"/{kind}/external/<path:external_id>", methods=["PUT"],
            endpoint=f"upsert_{view.__name__}", parameters=[PATH])
        return routed(requires(Scope.WRITE)(committed(
            resources.doc(parameters=[IF_MATCH, idempotency.PARAMETER])(
                resources.arguments(schema)(
                    resources.response(200, answered)(
                        resources.alt_response(201, schema=answered, description="Created")(
                            resources.alt_response(412, response="PRECONDITION_FAILED")(
                                view))))))))

    return decorate


def _existing(model, external_id: str):
    """The item with this external_id (its If-Match checked if sent), or None; an id that
    cannot be stored is refused."""
    if not 1 <= len(external_id) <= 64 or not schemas.ONE_LINE.regex.match(external_id):
        field_error("external_id", "1 to 64 characters, no control characters.", 422, "path")
    item = by_external_id(model, external_id)
    if item is not None:
        checked_if_sent(item)
    elif "If-Match" in request.headers:
        abort(412, message=f"No item has external_id {external_id} yet: nothing to match.")
    return item


def _same(field: str, value, have) -> None:
    """A record never moves to another parent (the CSV import refuses it too)."""
    if value != have:
        field_error(field, f"This record belongs to {field} {have}: it never moves; create "
                    "a new one instead.")


@upsert("projects", schemas.ProjectUpsert, schemas.Project)
def project(data: dict, external_id: str):
    """Create or change the project a sync knows by this external_id.

    201 with its Location when no project has that external_id, else 200 with it changed as
    PATCH /projects/{id} would. The body is the whole project; its ETA, confidence and start
    are set only on creation (afterwards they move by publishing an update) and its account
    never changes. If-Match is optional: sent, it is checked (412 if stale, or when nothing
    has that external_id yet); a sync that is the source of truth may leave it out."""
    found = _existing(Project, external_id)
    if found is None:
        return answer(open_project(data, external_id), 201)
    _same("account_id", data["account_id"], found.organization_id)
    change_project(found, {"contact_id": None, **data})  # the whole record: none if left out
    return answer(found)


@upsert("milestones", schemas.MilestoneUpsert, schemas.Milestone)
def milestone(data: dict, external_id: str):
    """Create or change the milestone a sync knows by this external_id.

    201 with its Location when no milestone has that external_id (added at the end of the
    project's plan), else 200 with its title and owner changed as PATCH /milestones/{id}
    would. Its planned date is set only on creation; its project never changes. If-Match is
    optional: sent, it is checked (412 if stale, or when nothing has that external_id yet);
    a sync that is the source of truth may leave it out."""
    found = _existing(Milestone, external_id)
    if found is None:
        parent = load(Project, data["project_id"], "project")
        return answer(add_milestone(parent, data, external_id), 201)
    _same("project_id", data["project_id"], found.project_id)
    change_milestone(found, {"title": data["title"], "owner_id": data.get("owner_id")})
    return answer(found)


@upsert("contacts", schemas.ContactUpsert, schemas.Contact)
def contact(data: dict, external_id: str):
    """Create or change the client contact a sync knows by this external_id.

    201 with its Location when no contact has that external_id: the person is invited as
    staff invite them; else 200 with the name changed, and the job title and phone if sent
    (left out, they stay: a sync that does not know them keeps what the portal has). A person
    of the account already here with that email and no external_id yet is taken as this
    contact (200, not invited again). The email changes only by the person themselves and the
    account never changes. If-Match is optional: sent, it is checked (412 if stale, or when
    nothing has that external_id yet); a sync that is the source of truth may leave it out."""
    found = _existing(User, external_id)
    if found is None:
        found = auth.find_user_by_email(data["email"])
        if found is None or found.external_id is not None:
            user = invite(data)  # refused if the email is someone else's
            set_external_id(user, external_id)
            return answer(user, 201)
        set_external_id(found, external_id)  # the account's person, now known to the sync
    if found.role != Role.CLIENT:
        field_error("external_id", f"external_id {external_id} is a member of staff's.", 409,
                    "path")
    _same("account_id", data["account_id"], found.organization_id)
    if auth.normalize_email(data["email"]) != found.email:
        field_error("email", "A contact's email changes only when they change it themselves "
                    "(their sign-in); add a new contact for another person.")
    change_contact(found, {name: data[name] for name in ("name", "job_title", "phone")
                           if name in data})
    return answer(found)
