"""A user's change of their own email address. Functions flush; the caller commits.

The change waits for a link sent to the new address (so nobody moves an account to an
address they do not read), and the old address is told at once, with the way to stop it:
changing the password voids the link (links are bound to the password hash). Asking again
replaces the earlier link. Whether the new address is someone else's account is not said
to the person asking (that would tell them who uses the portal): no link goes out then.
"""

from email_validator import EmailNotValidError, validate_email

from portal.audit import services as audit
from portal.auth import email_tokens, services
from portal.auth.models import EmailToken, TokenPurpose, User
from portal.extensions import db
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.notifications.services import queue_message

VALID_FOR = "24 hours"


def _new_address(user: User, new_email: str) -> str:
    """The new address, normalised; UserError if it is not one or is the current one."""
    try:
        email = validate_email(new_email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise services.UserError(f"That is not an email address: {error}") from error
    if len(email) > 254:
        raise services.UserError("That address is over 254 characters.")
    if email == user.email:
        raise services.UserError("That is your current address already.")
    return email


def request_email_change(user: User, *, new_email: str, password: str) -> EmailToken | None:
    """Check the password, email a confirmation link to the new address and a notice to the
    old one; None (and no link) when the new address belongs to another account."""
    if not services.password_matches(user, password):
        raise services.WrongPassword("That is not your current password.")
    email = _new_address(user, new_email)
    email_tokens.revoke_open_links(user, TokenPurpose.EMAIL_CHANGE)
    taken = services.find_user_by_email(email) is not None
    row = None
    if not taken:
        token, row = email_tokens.issue(user, TokenPurpose.EMAIL_CHANGE, new_email=email)
        queue_message(user, MessageKind.EMAIL_CHANGE, dedupe_key=f"email-token:{row.id}",
                      subject="Confirm your new email address", to_address=email,
                      new_email=email, valid_for=VALID_FOR,
                      link=absolute_url("auth.confirm_email_change", token=token))
    queue_message(user, MessageKind.EMAIL_CHANGE_NOTICE, dedupe_key=None,
                  subject="A change of your email address was asked for", new_email=email,
                  valid_for=VALID_FOR, password_url=absolute_url("auth.change_password"))
    audit.record("auth.email_change_requested", actor=user, target=user,
                 organization=user.organization,
                 summary=f"{user.email} to {email}" + (" (taken: no link sent)" if taken else ""))
    db.session.flush()
    return row


def find_email_change(token: str) -> EmailToken:
    """The usable confirmation link behind the page, changing nothing."""
    return email_tokens.find(token, TokenPurpose.EMAIL_CHANGE)


def confirm_email_change(token: str) -> User:
    """Use the link: the account's address becomes the new one, unless someone took it
    meanwhile (UserError, nothing changed)."""
    row = find_email_change(token)
    if services.find_user_by_email(row.new_email) is not None:
        raise services.UserError(f"{row.new_email} belongs to another account now; nothing "
                                 "was changed. Ask for the change again with another address.")
    row = email_tokens.consume(token, TokenPurpose.EMAIL_CHANGE)
    user, old = row.user, row.user.email
    user.email = row.new_email
    audit.record("auth.email_changed", actor=user, target=user, organization=user.organization,
                 summary=f"{old} to {user.email}")
    db.session.flush()
    return user
