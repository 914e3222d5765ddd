"""Cursor pagination: a stable order by id and an opaque cursor naming the last id seen."""

import base64
import binascii

import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import Select

from portal.db import MAX_ID
from portal.extensions import db

MAX_LIMIT = 100


class PageArgs(ma.Schema):
    """The query string of every list."""

    cursor = ma.fields.String(load_default=None, validate=[
        ma.validate.Length(max=100), ma.validate.Regexp(r"^[A-Za-z0-9_-]*$")],
                              metadata={"description": "next_cursor from the previous page"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": "items per page, at most 100"})


def encode_cursor(last_id: int) -> str:
    """An opaque cursor after this id."""
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor names; 400 with the field named if it was not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        last_id = int(number)
        if kind != "after" or not 0 <= last_id <= MAX_ID:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(400, message="This cursor is not one the API gave out.",
              errors={"query": {"cursor": ["Not a cursor from this API."]}})
    return last_id


def _rows(stmt: Select, objects: bool, **params) -> list:
    """ORM objects when the select is of a model; plain rows, straight from the connection
    (none of the ORM's per-row work), when it is of columns."""
    if objects:
        return list(db.session.execute(stmt, params).scalars().unique())
    return list(db.session.connection().execute(stmt, params))


def of_objects(stmt: Select, model) -> bool:
    """Whether a select is of a model's objects (rather than of its columns)."""
    return stmt.column_descriptions[0]["type"] is model


def first_of(stmt: Select, objects: bool, **params):
    """The one row of a select by id, or None."""
    rows = _rows(stmt, objects, **params)
    return rows[0] if rows else None


def page_of(stmt: Select, model, args: dict, objects: bool) -> dict:
    """One page of a select's rows, in id order, and the cursor to the next page if any."""
    if args.get("cursor"):
        stmt = stmt.where(model.id > decode_cursor(args["cursor"]))
    limit = args["limit"]
    rows = _rows(stmt.order_by(model.id).limit(limit + 1), objects)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": rows, "next_cursor": encode_cursor(rows[-1].id) if more else None}
