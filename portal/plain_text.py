"""What text the portal keeps: no control characters anywhere, no line breaks in one line.

The forms (portal.forms) and the services share these rules, so text that reaches a service
another way (the CLI, a job, an import) is held to the same ones.
"""

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# CR and LF, and what Unicode and str.splitlines() also take for the end of a line.
LINE_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")

CONTROL_CHARACTER_MESSAGE = (
    "This contains an invisible control character (such as a null byte) that cannot be saved. "
    "Remove it, or retype the text, and try again."
)
LINE_BREAK_MESSAGE = "This must be a single line: remove the line break and try again."


def one_line_problem(values: dict[str, str | None]) -> str | None:
    """What is wrong with the first bad one-line value (a name, a title, a phone), by its
    label, for the person who gave it; None when nothing is."""
    for label, value in values.items():
        if value is not None and CONTROL_CHARACTERS.search(value):
            return f"{label}: {CONTROL_CHARACTER_MESSAGE}"
        if value is not None and LINE_BREAKS.search(value):
            return f"{label} must be a single line: remove the line break and try again."
    return None


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 answer', '2 answers', '0 answers': a count with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
