"""The column layout of each kind of import file, and how each cell is read and checked.

A file holds one kind of row; its header says which: a `contact_id` column makes it a file of
contacts, else `milestone_id` one of milestones, else `project_id` one of projects, else
`account_id` one of accounts (docs/import.md). A cell's problem is a CellError, shown on its
row and column. A blank cell leaves an existing row's value as it is and gives a new row the
default, so a file re-imported after an edit in the portal does not undo the edit with blanks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email

from portal.forms import EARLIEST_DATE, LATEST_DATE
from portal.plain_text import CONTROL_CHARACTERS, LINE_BREAKS
from portal.projects.models import Confidence, ProjectStatus

SHOWN_CHARACTERS = 40  # of a bad value, quoted in its error


class CellError(ValueError):
    """What is wrong with one cell, in words for the person who typed it."""


def quoted(cell: str) -> str:
    """The cell as an error quotes it, cut short."""
    short = cell if len(cell) <= SHOWN_CHARACTERS else cell[:SHOWN_CHARACTERS] + "…"
    return repr(short)


def text(max_length: int, *, one_line: bool = True) -> Callable[[str], str]:
    """A reader of text up to max_length characters; formula-like text ('=cmd') stays text."""

    def read(cell: str) -> str:
        if len(cell) > max_length:
            raise CellError(f"{len(cell):,} characters, at most {max_length:,}")
        if CONTROL_CHARACTERS.search(cell):
            raise CellError("contains an invisible control character")
        if one_line and LINE_BREAKS.search(cell):
            raise CellError("must be a single line")
        return cell

    return read


EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}")


def external_id(cell: str) -> str:
    """The firm's own id: letters, digits and . _ : / # -, at most 64 characters."""
    if not EXTERNAL_ID.fullmatch(cell):
        raise CellError(f"{quoted(cell)} is not an id (letters, digits and . _ : / # -, at "
                        "most 64 characters)")
    return cell


def email(cell: str) -> str:
    """An email address, lowercased as the portal keeps them."""
    if len(cell) > 254:
        raise CellError(f"{len(cell):,} characters, at most 254")
    try:
        return validate_email(cell, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise CellError(f"{quoted(cell)} is not an email address") from None


def staff_email(cell: str) -> str:
    """The email of a member of staff, looked up as given (lowercased)."""
    if len(cell) > 254:
        raise CellError(f"{len(cell):,} characters, at most 254")
    return cell.lower()


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def day(cell: str) -> date:
    """A date as YYYY-MM-DD, or day first as DD/MM/YYYY or DD.MM.YYYY, from 2000 to 2099."""
    if len(cell) == 10 and cell[4] == "-":  # ISO, the common case: no strptime needed
        try:
            value = date.fromisoformat(cell)
        except ValueError:
            raise CellError(f"{quoted(cell)} is not a date (write YYYY-MM-DD or DD/MM/YYYY)")\
                from None
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise CellError(f"{quoted(cell)} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}")
        return value
    for pattern in DATE_FORMATS[1:]:
        try:
            value = datetime.strptime(cell, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise CellError(f"{quoted(cell)} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}")
        return value
    raise CellError(f"{quoted(cell)} is not a date (write YYYY-MM-DD or DD/MM/YYYY)")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A reader of a whole number from low to high."""

    def read(cell: str) -> int:
        if not re.fullmatch(r"[0-9]{1,6}", cell) or not low <= int(cell) <= high:
            raise CellError(f"{quoted(cell)} is not a whole number from {low} to {high}")
        return int(cell)

    return read


def choice(values: type) -> Callable[[str], object]:
    """A reader of one of an enum's values, case and spaces forgiven ('On track')."""
    known = {member.value: member for member in values}

    def read(cell: str) -> object:
        key = "_".join(cell.lower().split())
        if key not in known:
            raise CellError(f"{quoted(cell)} is not one of {', '.join(known)}")
        return known[key]

    return read


def timezone(cell: str) -> str:
    """An IANA timezone name."""
    if cell not in available_timezones():
        raise CellError(f"{quoted(cell)} is not a timezone (write e.g. Europe/Berlin)")
    return cell


@dataclass(frozen=True)
class Column:
    """One column of a layout: its name, how a cell is read, and what it means."""

    name: str
    read: Callable[[str], object]
    meaning: str
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of import file: its name, its id column and its columns in template order."""

    name: str
    label: str
    id_column: str
    columns: tuple[Column, ...]
    needs: str = field(default="")  # what must be imported first

    def column(self, name: str) -> Column | None:
        """The column of this name, if the layout has one."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def template(self) -> str:
        """The header line of a blank file of this kind, CRLF-terminated as Excel writes it."""
        return ",".join(c.name for c in self.columns) + "\r\n"


ACCOUNTS = Kind("accounts", "accounts", "account_id", (
    Column("account_id", external_id, "your own id for the account (CRM id)", True, "CRM-1001"),
    Column("name", text(120), "the organisation's name", True, "Initech"),
    Column("timezone", timezone, "IANA timezone (default UTC)", example="Europe/Berlin"),
    Column("owner_email", staff_email, "the account owner: a member of staff's email",
           example="staff@demo.example"),
))
CONTACTS = Kind("contacts", "client contacts", "contact_id", (
    Column("contact_id", external_id, "your own id for the person", True, "P-2001"),
    Column("account_id", external_id, "the account they belong to", True, "CRM-1001"),
    Column("name", text(120), "full name", True, "Peter Gibbons"),
    Column("email", email, "email address (they sign in with it)", True,
           "peter@initech.example"),
    Column("job_title", text(120), "job title", example="Head of IT"),
    Column("phone", text(40), "phone number", example="+49 30 1234567"),
), needs="accounts")
PROJECTS = Kind("projects", "projects", "project_id", (
    Column("project_id", external_id, "your own id for the project", True, "PRJ-3001"),
    Column("account_id", external_id, "the account it is for", True, "CRM-1001"),
    Column("name", text(160), "the project's name", True, "Network upgrade"),
    Column("summary", text(5000, one_line=False), "what it is, for the client",
           example="New switches in every office."),
    Column("status", choice(ProjectStatus), "not_started, on_track, at_risk, blocked or done "
           "(default not_started)", example="on_track"),
    Column("eta", day, "the date you expect to finish", example="2027-03-31"),
    Column("eta_confidence", choice(Confidence), "high, medium or low (default medium)",
           example="medium"),
    Column("contact_email", staff_email, "who the client calls: a member of staff's email",
           example="staff@demo.example"),
    Column("update_cadence_days", whole_number(1, 90), "days between updates (default 7)",
           example="7"),
    Column("started_on", day, "the day work started", example="2026-11-02"),
), needs="accounts")
MILESTONES = Kind("milestones", "milestones", "milestone_id", (
    Column("milestone_id", external_id, "your own id for the milestone", True, "MS-4001"),
    Column("project_id", external_id, "the project it belongs to", True, "PRJ-3001"),
    Column("title", text(160), "the step's name", True, "Site survey"),
    Column("position", whole_number(0, 999), "its place in the project, from 0 (default: "
           "after the others)", example="0"),
    Column("owner_email", staff_email, "who owns the step: a member of staff's email",
           example="staff@demo.example"),
    Column("planned_on", day, "the date first planned", example="2027-01-15"),
    Column("eta", day, "the date now expected (default: planned_on)", example="2027-01-15"),
    Column("completed_on", day, "the day it was done", example=""),
), needs="projects")

KINDS = (CONTACTS, MILESTONES, PROJECTS, ACCOUNTS)  # the order a header is recognised in
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_of(header: list[str]) -> Kind | None:
    """The kind of file this header makes, by the id columns it has."""
    return next((kind for kind in KINDS if kind.id_column in header), None)
