"""Bearer tokens kept out of every log: a link that carries one (a pulse answer, unsubscribe,
invitation, password reset, sign-in or a client's feed link) is logged as `/pulses/[token]`.

One logging filter does it wherever a line is written: gunicorn's access and error logs
(gunicorn.conf.py installs it), the development server's request log and the app's own
lines. It works on the finished line, so the request line, the path, the query, a Referer
sent from such a page and any custom log format are all covered.
"""

import logging
import re

# The paths whose next segment is a token; tests/web/test_access_log.py checks that every route
# with a <token> in the URL map is covered, so a new one cannot be forgotten.
TOKEN_PATHS = ("pulses", "unsubscribe", "invitations", "login/reset", "login/email-link",
               "account/email/confirm", "feeds", "follow-ups")
REDACTED = "[token]"

_SLASH = r"(?:/|%2F)"  # as written, or percent-encoded inside a ?next= parameter
_TOKEN_IN_PATH = re.compile(
    # Where a path starts: the line's start, after a space, a quote or a query's = or &, or
    # after a scheme and host (a Referer); never inside a longer path like /admin/pulses/7.
    r"(?P<lead>^|[\s\"'=&?]|://[^/\s\"']*)"
    r"(?P<path>" + _SLASH + "(?:" + "|".join(p.replace("/", _SLASH) for p in TOKEN_PATHS)
    + ")" + _SLASH + r")"
    r"[^/?#&\s\"'%]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """The text with the token of every token-bearing path replaced by [token]."""
    return _TOKEN_IN_PATH.sub(r"\g<lead>\g<path>" + REDACTED, text)


class RedactTokens(logging.Filter):
    """A logging filter that writes each record's message with its tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a malformed record: the handler reports it as usual)
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


TOKEN_FILTER = RedactTokens()  # one instance: addFilter() then never adds it twice


def install(*loggers: logging.Logger) -> None:
    """Put the token filter on these loggers (records logged on them directly)."""
    for logger in loggers:
        logger.addFilter(TOKEN_FILTER)
