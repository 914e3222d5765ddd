"""Reading a pasted list of people to invite: one per line or comma-separated, each an address
or "Name <address>". Pure text handling; what the database says about each is invitations.py's."""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from portal.plain_text import CONTROL_CHARACTERS

MAX_ENTRIES = 1000
MAX_NAME = 120
# Commas and semicolons separate entries, except inside quotes or angle brackets.
_SEPARATOR = re.compile(r'[,;](?=(?:[^"]*"[^"]*")*[^"]*$)(?![^<]*>)')
_NAMED = re.compile(r'^(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>$')


@dataclass(frozen=True)
class Entry:
    """One person as pasted: where (line, place on the line), the text, and what was read."""

    line: int
    place: int  # 1 for the first entry on its line
    text: str
    name: str = ""
    email: str = ""
    problem: str | None = None

    @property
    def where(self) -> str:
        return f"line {self.line}" + (f", entry {self.place}" if self.place > 1 else "")


def name_from_address(email: str) -> str:
    """A name to start with when none was given: 'ann.lee@x.com' -> 'Ann Lee'."""
    words = re.split(r"[._+\-]+", email.split("@")[0])
    return " ".join(word.capitalize() for word in words if word)[:MAX_NAME] or email


def _read(line: int, place: int, text: str) -> Entry:
    """One entry: an address, or a name and an address in angle brackets."""
    if CONTROL_CHARACTERS.search(text):
        return Entry(line, place, text, problem="contains an invisible control character.")
    named = _NAMED.match(text)
    name, address = (named["name"].strip().strip('"').strip(), named["email"].strip()) \
        if named else ("", text)
    if "<" in address or ">" in address or (not named and " " in address.strip()):
        return Entry(line, place, text, problem='write a name and address as '
                     '"Ann Lee <ann@example.com>", or the address alone.')
    try:
        email = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        return Entry(line, place, text, problem=f"{address or 'nothing'} is not an email "
                     f"address: {error}")
    if len(email) > 254:
        return Entry(line, place, text, problem="the address is over 254 characters.")
    if len(name) > MAX_NAME:
        return Entry(line, place, text, problem=f"the name is over {MAX_NAME} characters.")
    return Entry(line, place, text, name=name or name_from_address(email), email=email)


def read_pasted(text: str) -> list[Entry]:
    """Every entry of the paste, in order, blank lines and blank entries skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        pieces = [piece.strip() for piece in _SEPARATOR.split(line)]
        for place, piece in enumerate((p for p in pieces if p), start=1):
            entries.append(_read(number, place, piece))
    return entries
