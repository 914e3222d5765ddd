"""What every write view does, in one place: load the item or 404, check If-Match, turn a
service's refusal into a 422 naming the field, and answer with the item (201 and its Location
when created). The views in writes.py, changes.py and upserts.py are made of these."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Response, request, url_for
from flask_smorest import abort
from sqlalchemy import select

from portal.api import schemas
from portal.api.answers import check_unchanged, dumper, etag_of, json_answer
from portal.api.guard import current_key
from portal.auth.models import Role, User
from portal.auth.services import UserError
from portal.closeout.models import Closeout
from portal.closeout.services import CloseoutError
from portal.concurrency import ChangedMeanwhile
from portal.extensions import db
from portal.projects.milestones import MilestoneChanged
from portal.projects.models import Milestone, Project, Question, StatusUpdate
from portal.projects.services import ProjectError
from portal.touchpoints.models import Touchpoint
from portal.touchpoints.services import TouchpointError

# Each model, the schema it is answered with and the endpoint that reads it.
SCHEMAS = {Project: "Project", Milestone: "Milestone", StatusUpdate: "Update",
           Question: "Question", User: "Contact", Touchpoint: "Touchpoint",
           Closeout: "Closeout"}
DUMP = {model: dumper(getattr(schemas, name)) for model, name in SCHEMAS.items()}


def author() -> User:
    """Who a key's writes are made as: the admin who created it (the audit names the key)."""
    created_by_id = current_key().created_by_id
    creator = db.session.get(User, created_by_id) if created_by_id else None
    if creator is None or not creator.active:
        abort(403, message="The admin who created this key is gone; create a new key.")
    return creator


def field_error(field: str, message: str, status: int = 422, location: str = "json"):
    """Refuse the request with a problem naming one field; nothing is written."""
    db.session.rollback()
    abort(status, message=message, errors={location: {field: [message]}})


@contextmanager
def refusals(renamed: dict[str, str] | None = None) -> Iterator[None]:
    """A service's refusal as a 422 naming the field (the API's name for it where `renamed`
    says the form's differs); a change that slipped in since If-Match was checked is a 412."""
    try:
        yield
    except MilestoneChanged as error:
        db.session.rollback()
        abort(412, message=str(error))
    except ChangedMeanwhile:
        db.session.rollback()
        abort(409, message="Someone else saved this first; read it again.")
    except (ProjectError, TouchpointError, CloseoutError) as error:
        field = error.field or "item_id"
        field_error((renamed or {}).get(field, field), str(error),
                    location="json" if error.field else "path")
    except UserError as error:
        field_error(getattr(error, "field", "email"), str(error))


def load(model, item_id: int, what: str, only: Callable[[object], bool] = bool):
    """The item with this id (and of the kind `only` accepts), or a 404 saying what was not
    found."""
    item = db.session.get(model, item_id)
    if item is None or not only(item):
        abort(404, message=f"No {what} with id {item_id}.")
    return item


def current(model, item_id: int, what: str, only: Callable[[object], bool] = bool):
    """The item, if If-Match names it as it is now (412 if stale, 428 if missing)."""
    item = load(model, item_id, what, only)
    check_unchanged(DUMP[model](item))
    return item


def checked_if_sent(item) -> None:
    """Check If-Match only when the caller sent one: a sync that is the source of truth may
    write without reading first."""
    if request.headers.get("If-Match") is not None:
        check_unchanged(DUMP[type(item)](item))


def staff(user_id: int | None, field: str) -> User | None:
    """The member of staff with this id (None for none); a 422 on the field otherwise."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.role not in (Role.STAFF, Role.ADMIN):
        abort(422, errors={"json": {field: ["Not a member of staff."]}})
    return user


def set_external_id(item, external_id: str | None) -> None:
    """Give the item this external_id; 409 if another item of its kind has it."""
    model = type(item)
    if external_id is not None:
        taken = db.session.scalar(select(model.id).where(model.external_id == external_id))
        if taken is not None and taken != item.id:
            field_error("external_id", f"external_id {external_id} is already item {taken}.",
                        409)
    item.external_id = external_id
    db.session.flush()


def by_external_id(model, external_id: str):
    """The item a sync knows by this external_id, or None."""
    return db.session.scalars(select(model).where(model.external_id == external_id)).first()


def answer(item, status: int = 200) -> Response:
    """The item as JSON with its ETag (also on the answer itself); a new one with its
    Location."""
    headers = {}
    if status == 201:
        headers["Location"] = url_for(f".get_{SCHEMAS[type(item)].lower()}", item_id=item.id)
    response = json_answer(DUMP[type(item)](item), status, headers)
    response.set_etag(etag_of(DUMP[type(item)](item)))
    return response
