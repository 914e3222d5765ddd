"""The page number a list was asked for, read leniently: anything that is not a number of at
most a few digits is the first page (portal.projects.finding.paginate brings it into range)."""

from flask import request

MAX_DIGITS = 6


def page_number() -> int:
    """The `page` query argument as a number; 1 when missing or not a number."""
    text = request.args.get("page", "")
    digits = text[1:] if text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        return 1
    return int(text)

