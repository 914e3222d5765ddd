"""Header values for outgoing email, made safe in one place.

Names (a client's, an organisation's, the firm's) end up in Subject and From. A line break in
a header value would end the header there and start another (a Bcc), and Python's email
package refuses one outright; so every header value is put on one line here, and display
names are encoded by formataddr, whatever an older row or a setting holds.
"""

import re
from email.utils import formataddr, parseaddr

from portal.plain_text import CONTROL_CHARACTERS, LINE_BREAKS

MAX_SUBJECT = 255  # the outbox's subject column
_BREAKS_AND_CONTROLS = re.compile(f"(?:{LINE_BREAKS.pattern}|{CONTROL_CHARACTERS.pattern})+")


class UnsendableAddress(ValueError):
    """A recipient address that no mail server should be given."""


def one_line(value: str) -> str:
    """The value on one line: each run of line breaks and control characters, and of spaces,
    becomes one space."""
    return " ".join(_BREAKS_AND_CONTROLS.sub(" ", value).split())


def subject(value: str) -> str:
    """A Subject on one line that fits the outbox's column."""
    text = one_line(value)
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1] + "…"


def mailbox(name: str, address: str) -> str:
    """'Name <address>', the name on one line (and encoded by formataddr when not ASCII)."""
    return formataddr((one_line(name), single_address(address)))


def single_address(address: str) -> str:
    """The address as given, if it is one address on one line; UnsendableAddress if not."""
    if LINE_BREAKS.search(address) or CONTROL_CHARACTERS.search(address):
        raise UnsendableAddress("The address contains a line break or a control character.")
    name, parsed = parseaddr(address)
    if not parsed or "@" not in parsed or name:
        raise UnsendableAddress("The address is not a single email address.")
    return address
