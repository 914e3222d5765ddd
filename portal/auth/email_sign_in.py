"""Accounts by email: invitations, password reset and sign-in links for clients.
Functions flush; the caller commits.

Requests that name an email (reset, sign-in link) are answered before anyone looks the email
up: the request only queues a job (jobs.ask_for_link), so the answer and its timing are the same
whoever the address belongs to. The job does the same work whether the email is known or not:
a token is made and hashed and the email rendered either way; only for an active user (a
client, for sign-in links) is a row written and the email queued.
"""

from portal.audit import services as audit
from portal.auth import email_tokens, services
from portal.auth.models import EmailToken, Role, SecuritySettings, TokenPurpose, User
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.notifications.rendering import absolute_url, render_email
from portal.notifications.services import queue_message

SUBJECTS = {
    MessageKind.PASSWORD_RESET: "Reset your password",
    MessageKind.SIGN_IN_LINK: "Your sign-in link",
}


# Settings ---------------------------------------------------------------------------------

def client_email_sign_in_allowed() -> bool:
    """Clients may ask for a sign-in link by email (the default, until an admin says no)."""
    settings = db.session.get(SecuritySettings, 1)
    return settings is None or settings.allow_client_email_sign_in


def set_client_email_sign_in_allowed(allowed: bool, *, by: User) -> None:
    """Allow or stop sign-in links for clients; links already sent stop working when off."""
    settings = db.session.get(SecuritySettings, 1)
    if settings is None:
        settings = SecuritySettings(id=1, require_staff_two_factor=False,
                                    allow_client_email_sign_in=True)
        db.session.add(settings)
    if settings.allow_client_email_sign_in != allowed:
        audit.record("settings.client_email_sign_in", actor=by,
                     summary="sign-in links allowed" if allowed else "sign-in links off")
    settings.allow_client_email_sign_in = allowed
    db.session.flush()


# Invitations (sent by portal/accounts) ---------------------------------------------------

def accept_invitation(token: str, password: str) -> User:
    """Set the invited user's first password; the link is used up. TokenProblem or
    UserError (the password rules) otherwise, with nothing changed."""
    row = email_tokens.find(token, TokenPurpose.INVITATION)
    services.check_password_rules(password, email=row.user.email)
    row = email_tokens.consume(token, TokenPurpose.INVITATION)
    user = row.user
    services.set_password(user, password)
    services.end_all_sessions(user)
    audit.record("user.invitation_accepted", actor=user, target=user,
                 organization=user.organization, summary=user.email)
    db.session.flush()
    return user


# Password reset ---------------------------------------------------------------------------

def _same_work_for_nobody(kind: MessageKind, **context) -> None:
    """What a known email costs, for an unknown one: a token hashed, an email rendered."""
    token, _ = email_tokens.new_token()
    stand_in = User(email="nobody@invalid", name="Nobody", role=Role.CLIENT)
    render_email(kind, stand_in, subject=SUBJECTS[kind], link=token, **context)


def request_password_reset(email: str, *, address: str | None = None) -> OutboxMessage | None:
    """Email a reset link (valid 1 hour) to the active user with this email, if any; `address`
    is who asked, for the audit log."""
    user = services.find_user_by_email(email)
    context = {"valid_for": "1 hour"}
    if user is None or not user.active:
        _same_work_for_nobody(MessageKind.PASSWORD_RESET, **context)
        return None
    return _email_link(user, MessageKind.PASSWORD_RESET, TokenPurpose.PASSWORD_RESET,
                       "auth.reset_password", "auth.password_reset_requested", address,
                       **context)


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    row = email_tokens.find(token, TokenPurpose.PASSWORD_RESET)
    services.check_password_rules(password, email=row.user.email)
    row = email_tokens.consume(token, TokenPurpose.PASSWORD_RESET)
    user = row.user
    services.set_password(user, password)
    services.end_all_sessions(user)
    audit.record("auth.password_reset", actor=user, target=user,
                 organization=user.organization, summary=user.email)
    db.session.flush()
    return user


# Sign-in links ----------------------------------------------------------------------------

def request_sign_in_link(email: str, *, address: str | None = None) -> OutboxMessage | None:
    """Email a sign-in link (valid 10 minutes) to the active client with this email, if any;
    staff and admins sign in with their password (and code). `address` as above."""
    user = services.find_user_by_email(email)
    context = {"valid_for": "10 minutes"}
    if user is None or not user.active or user.role != Role.CLIENT:
        _same_work_for_nobody(MessageKind.SIGN_IN_LINK, **context)
        return None
    return _email_link(user, MessageKind.SIGN_IN_LINK, TokenPurpose.SIGN_IN_LINK,
                       "auth.sign_in_link", "auth.sign_in_link_requested", address, **context)


def _email_link(user: User, kind: MessageKind, purpose: TokenPurpose, endpoint: str,
                action: str, address: str | None, **context) -> OutboxMessage | None:
    """Issue a single-use token for the user and queue the email carrying its link."""
    token, row = email_tokens.issue(user, purpose)
    message = queue_message(
        user, kind, dedupe_key=f"email-token:{row.id}", subject=SUBJECTS[kind],
        link=absolute_url(endpoint, token=token), **context,
    )
    audit.record(action, actor=None, target=user, organization=user.organization,
                 summary=user.email, ip_address=address)
    db.session.flush()
    return message


def send_link(purpose: TokenPurpose, email: str, *, address: str | None) -> OutboxMessage | None:
    """The job's work: the requested link, if the email is someone's who may have one."""
    if purpose == TokenPurpose.PASSWORD_RESET:
        return request_password_reset(email, address=address)
    if purpose == TokenPurpose.SIGN_IN_LINK:
        return request_sign_in_link(email, address=address)
    raise ValueError(f"no link is sent on request for {purpose}")


def find_sign_in_link(token: str) -> EmailToken:
    """The link behind the confirm page, changing nothing."""
    row = email_tokens.find(token, TokenPurpose.SIGN_IN_LINK)
    if row.user.role != Role.CLIENT or row.user.has_two_factor:
        raise email_tokens.TokenProblem(email_tokens.MESSAGES[TokenPurpose.SIGN_IN_LINK].unknown)
    return row


def sign_in_with_link(token: str) -> User:
    """Use a sign-in link: the client it was sent to, ready to be signed in."""
    find_sign_in_link(token)
    row = email_tokens.consume(token, TokenPurpose.SIGN_IN_LINK)
    services.record_sign_in(row.user)
    audit.record("auth.signed_in", actor=row.user, organization=row.user.organization,
                 summary="with an email link")
    db.session.flush()
    return row.user

