"""Emails as multipart text + HTML from templates/email/, with absolute links and unsubscribe.

Rendering happens when a message is queued, inside the transaction that caused it, so the row
holds exactly what will be sent. Templates get plain values, never the signed-in user: an email
is rendered for its recipient whoever's request queued it.
"""

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import User
from portal.content.services import Branding, current_branding
from portal.notifications import headers
from portal.notifications.models import MessageKind
from portal.web.addresses import base_url

UNSUBSCRIBE_SALT = "portal.notifications.unsubscribe"


class BadUnsubscribeToken(ValueError):
    """The unsubscribe link was altered, signed with another key, or is too old."""


@dataclass(frozen=True)
class RenderedEmail:
    """What goes into an outbox row."""

    subject: str
    text_body: str
    html_body: str
    headers: dict[str, str]


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email: the endpoint's path under the portal's address (base_url)."""
    base = urlsplit(base_url(current_app))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed token naming the user, for the unsubscribe link; it expires after a while."""
    return _serializer().dumps({"user": user.id})


def user_id_from_token(token: str) -> int:
    """The user id the token was signed for; BadUnsubscribeToken if it is not one of ours."""
    max_age = int(current_app.config["UNSUBSCRIBE_MAX_AGE_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadUnsubscribeToken("This unsubscribe link has expired.") from error
    except BadSignature as error:
        raise BadUnsubscribeToken("This unsubscribe link is not valid.") from error
    user_id = data.get("user") if isinstance(data, dict) else None
    if not isinstance(user_id, int):
        raise BadUnsubscribeToken("This unsubscribe link is not valid.")
    return user_id


def branding() -> Branding:
    """The firm's name, colour and logo, as the pages show them."""
    return current_branding(default_name=current_app.config["FIRM_NAME"])


def sender() -> str:
    """The From header: the firm's name and PORTAL_MAIL_FROM (unless that names itself)."""
    configured = current_app.config["MAIL_FROM"]
    name, address = parseaddr(configured)
    return headers.one_line(configured) if name else headers.mailbox(branding().firm_name, address)


def render_email(kind: MessageKind, recipient: User, *, subject: str, **context) -> RenderedEmail:
    """Render the kind's .txt and .html templates for one recipient, with unsubscribe headers."""
    brand = branding()
    unsubscribe = absolute_url("notifications.unsubscribe", token=unsubscribe_token(recipient))
    values = {
        "brand": brand, "recipient_name": recipient.name, "subject": subject,
        "settings_url": absolute_url("auth.account"), "unsubscribe_url": unsubscribe,
        "logo_url": absolute_url("content.logo", v=brand.logo_version) if brand.has_logo else None,
        **context,
    }
    extra_headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return RenderedEmail(
        subject=headers.subject(f"{subject} · {brand.firm_name}"),
        text_body=render_template(f"email/{kind.value}.txt", **values),
        html_body=render_template(f"email/{kind.value}.html", **values),
        headers=extra_headers,
    )
