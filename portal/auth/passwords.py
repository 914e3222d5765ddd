"""Password rules: length, not composition, and never one of the well-known passwords.

Follows NIST SP 800-63B and ASVS 5.0 V6.2: at least 12 characters, up to 128 (so 64 always
fit), any characters including spaces, and no password from portal/auth/common_passwords.txt,
the 10,000 most common passwords of the breach-derived list Django ships (see the file's
header). A password that is a common one with digits or punctuation tacked on, or one
character or the email's name repeated, is turned down too: those are the first guesses.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_DECORATION = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lowercase, loaded once per process."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def normalise(password: str) -> str:
    """Unicode NFKC, as ASVS asks, so look-alike forms of one password compare equal."""
    return unicodedata.normalize("NFKC", password)


def is_common(password: str) -> bool:
    """The password, or its stem before trailing digits and punctuation, is a known one."""
    lowered = normalise(password).lower()
    known = common_passwords()
    if lowered in known:
        return True
    stem = _DECORATION.sub("", lowered)
    return len(stem) >= 6 and stem in known


def password_problem(
    password: str, *, email: str | None = None, context_words: tuple[str, ...] = ()
) -> str | None:
    """Why this password will not do, for the person at the form; None when it is fine.

    context_words (ASVS V6.2.11): the firm's name and "portal"; with the email's name.
    """
    length = len(normalise(password))
    if length < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if length > MAX_PASSWORD_LENGTH:
        return f"The password may have at most {MAX_PASSWORD_LENGTH} characters."
    if len(set(password)) <= 2:
        return "The password repeats one or two characters; choose something less guessable."
    if is_common(password):
        return "That password is on the list of the most common passwords; choose another."
    local_part = (email or "").split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        return "The password must not contain your email address."
    lowered = normalise(password).lower()
    for word in context_words:
        stem = _DECORATION.sub("", lowered.replace(word.lower(), ""))
        if word and word.lower() in lowered and len(set(stem)) <= 3:
            return f"The password is little more than \"{word}\"; choose something less guessable."
    return None
