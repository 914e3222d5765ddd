"""Pages of a list: the page number a list was asked for, read leniently (anything that is not a
number of at most a few digits is the first page), and one page of a query, brought into range,
in two statements whatever the list's length."""

from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select

from portal.extensions import db

MAX_DIGITS = 6
Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list: its items, its number (1-based) and how many there are."""

    items: list[Item]
    number: int
    pages: int
    total: int


def page_number() -> int:
    """The `page` query argument as a number; 1 when missing or not a number."""
    text = request.args.get("page", "")
    digits = text[1:] if text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        return 1
    return int(text)


def page_of(stmt: Select[Any], page: int, size: int) -> Page[Any]:
    """The page asked for of a select of one entity (ordered to a stable order), brought into
    range: below 1 is the first, past the end the last. One count, one page of rows."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, ceil(total / size))
    number = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)).unique())
    return Page(items, number, pages, total)
