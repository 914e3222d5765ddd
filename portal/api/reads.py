"""Lists and single reads: every resource in pages by id, each item with an ETag.

Each list is one SELECT (plus one per eager-loaded collection), whatever the page size, so the
statements per request stay constant (tests/api/test_reads.py counts them).
"""

from collections.abc import Callable
from functools import cache

import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization
from portal.api import freshness, schemas
from portal.api.answers import dumper, json_answer
from portal.api.guard import requires, resources
from portal.api.kept import keeps_answers
from portal.api.models import Scope
from portal.api.paging import PageArgs, first_of, of_objects, page_of
from portal.auth.models import Role, User
from portal.closeout.models import Closeout
from portal.db import MAX_ID
from portal.health.models import HealthSnapshot
from portal.projects.models import Milestone, Project, Question, Reply, StatusUpdate
from portal.pulses.models import FollowUp, PulseAnswer
from portal.touchpoints.models import Touchpoint

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def columns_of(model) -> Select:
    """A select of the model's columns: plain rows, dumped without building ORM objects."""
    return select(*model.__table__.c)


def _page_schema(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    return type(f"{name}Page", (ma.Schema,), {
        "data": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(required=True, allow_none=True, metadata={
            "description": "pass as `cursor` for the next page; null on the last"}),
    })


def _query_schema(name: str, filters: dict[str, object]) -> type[ma.Schema]:
    fields = {
        key: (ma.fields.String(validate=schemas.one_line(1, 64))
              if key == "external_id" else ma.fields.Integer(validate=ma.validate.Range(1, MAX_ID)))
        for key in filters
    }
    return type(f"{name}Query", (PageArgs,), fields)


def expose(path: str, name: str, model, schema: type[ma.Schema], *,
           base: Callable[[], Select], filters: dict[str, object],
           scope: Scope = Scope.READ, also_reads: tuple = ()) -> None:
    """GET /<path> (a page, filtered) and GET /<path>/<id> for one resource, whose answers
    are kept while the model's table (and `also_reads`) are unchanged."""
    query = _query_schema(name, filters)
    dump = dumper(schema)
    tables = freshness.watch(model.__table__, *also_reads)
    for endpoint in (f"list_{name.lower()}", f"get_{name.lower()}"):
        keeps_answers(f"{resources.name}.{endpoint}", tables, scope)

    @cache  # built at the first request (the mappers are all configured by then), then kept
    def statements() -> tuple[Select, Select, bool]:
        every = base()
        return every, every.where(model.id == bindparam("item_id")), of_objects(every, model)

    def list_items(args: dict):
        stmt, _, objects = statements()
        for key, column in filters.items():
            if args.get(key) is not None:
                stmt = stmt.where(column == args[key])
        page = page_of(stmt, model, args, objects)
        return json_answer({"data": [dump(item) for item in page["data"]],
                            "next_cursor": page["next_cursor"]})

    def get_item(item_id: int):
        _, one, objects = statements()
        found = first_of(one, objects, item_id=item_id)
        return json_answer(dump(found or abort(404, message=f"No {name.lower()} with id "
                                                            f"{item_id}.")))

    list_items.__doc__ = f"List {path.replace('-', ' ')}, oldest first (by id)."
    get_item.__doc__ = f"One {name.lower()}, by id."
    listed = resources.etag(resources.response(200, _page_schema(name, schema))(
        requires(scope)(list_items)))
    resources.route(f"/{path}", endpoint=f"list_{name.lower()}", methods=["GET"])(
        resources.arguments(query, location="query", as_kwargs=False)(listed))
    resources.route(f"/{path}/<int:item_id>", endpoint=f"get_{name.lower()}",
                    methods=["GET"])(
        resources.etag(resources.response(200, schema)(requires(scope)(get_item))))


expose("accounts", "Account", Organization, schemas.Account,
       base=lambda: columns_of(Organization),
       filters={"external_id": Organization.external_id})
expose("contacts", "Contact", User, schemas.Contact,
       base=lambda: columns_of(User).where(User.role == Role.CLIENT),
       filters={"external_id": User.external_id, "account_id": User.organization_id})
expose("staff", "Staff", User, schemas.Staff,
       base=lambda: columns_of(User).where(User.role.in_(STAFF_ROLES)),
       filters={"external_id": User.external_id})
expose("projects", "Project", Project, schemas.Project,
       base=lambda: columns_of(Project),
       filters={"external_id": Project.external_id, "account_id": Project.organization_id})
expose("milestones", "Milestone", Milestone, schemas.Milestone,
       base=lambda: columns_of(Milestone),
       filters={"external_id": Milestone.external_id, "project_id": Milestone.project_id})
expose("updates", "Update", StatusUpdate, schemas.Update,
       base=lambda: columns_of(StatusUpdate),
       filters={"project_id": StatusUpdate.project_id})
expose("questions", "Question", Question, schemas.Question,
       base=lambda: select(Question).options(selectinload(Question.replies)),
       filters={"project_id": Question.project_id}, also_reads=(Reply.__table__,))
expose("pulse-answers", "PulseAnswer", PulseAnswer, schemas.PulseAnswer,
       base=lambda: columns_of(PulseAnswer), filters={"request_id": PulseAnswer.request_id})
expose("follow-ups", "FollowUp", FollowUp, schemas.FollowUp,
       base=lambda: columns_of(FollowUp), filters={"request_id": FollowUp.request_id})
expose("closeouts", "Closeout", Closeout, schemas.Closeout,
       base=lambda: columns_of(Closeout), filters={"project_id": Closeout.project_id})
expose("health-snapshots", "HealthSnapshot", HealthSnapshot, schemas.HealthSnapshot,
       base=lambda: columns_of(HealthSnapshot),
       filters={"account_id": HealthSnapshot.organization_id}, scope=Scope.HEALTH_READ)
expose("touchpoints", "Touchpoint", Touchpoint, schemas.Touchpoint,
       base=lambda: columns_of(Touchpoint).where(Touchpoint.removed_at.is_(None)),
       filters={"account_id": Touchpoint.organization_id})
