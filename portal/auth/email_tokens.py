"""Links sent by email: invitations, password reset and sign-in links. Functions flush; the
caller commits.

A link carries 32 random bytes (secrets.token_urlsafe); the database keeps only their SHA-256,
so a copy of the database opens nobody's account. Each link is single-use (consumed by an
UPDATE that only one request can win), expires, and is void once the user's password changes
(it is bound to a fingerprint of the password hash it was issued under).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from portal.auth.models import EmailToken, TokenPurpose, User
from portal.db import utcnow
from portal.extensions import db

LIFETIMES = {
    TokenPurpose.INVITATION: timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.SIGN_IN_LINK: timedelta(minutes=10),
    TokenPurpose.EMAIL_CHANGE: timedelta(hours=24),
}
MAX_TOKEN_LENGTH = 100  # what we issue is 43 characters; anything much longer is not ours


class TokenProblem(ValueError):
    """The link cannot be used; the message says why, for the person who opened it."""


class TokenUsed(TokenProblem):
    """The link has done its job already."""


class TokenExpired(TokenProblem):
    """The link is older than its lifetime, or a password change voided it."""


def hash_token(token: str) -> str:
    """What the database keeps of a token: 64 hex characters."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def password_fingerprint(user: User) -> str:
    """A digest of the user's password hash: it changes whenever the password does."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its hash; made for unknown emails too, so both cost the same."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def issue(user: User, purpose: TokenPurpose, *, by: User | None = None,
          new_email: str | None = None) -> tuple[str, EmailToken]:
    """A new link for the user; returns the token to email (never stored) and its row.
    An email-change link carries the address it moves the account to."""
    token, token_hash = new_token()
    now = utcnow()
    row = EmailToken(
        token_hash=token_hash, purpose=purpose, user=user, created_by=by,
        password_fingerprint=password_fingerprint(user), created_at=now,
        expires_at=now + LIFETIMES[purpose], new_email=new_email,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


@dataclass(frozen=True)
class Messages:
    """What to tell the person whose link cannot be used."""

    used: str
    expired: str
    unknown: str
    revoked: str = ("This link has been replaced by a newer one or withdrawn. Use the link in "
                    "the latest email from us.")


MESSAGES = {
    TokenPurpose.INVITATION: Messages(
        used="This invitation has been used already. Sign in with the password you chose, or "
             "use \u201cForgot your password?\u201d on the sign-in page.",
        expired="This invitation has expired. Ask your contact at the firm to send a new one.",
        unknown="This invitation link is not valid. Check that you copied all of it, or ask "
                "your contact at the firm to send a new one.",
        revoked="This invitation link no longer works: a newer invitation was sent (use the "
                "link in the latest email), or it was withdrawn. Ask your contact at the firm "
                "if you need a new one.",
    ),
    TokenPurpose.PASSWORD_RESET: Messages(
        used="This reset link has been used already. Ask for a new one if you still need it.",
        expired="This reset link has expired (links last one hour and stop working once the "
                "password changes). Ask for a new one.",
        unknown="This reset link is not valid. Check that you copied all of it, or ask for a "
                "new one.",
    ),
    TokenPurpose.SIGN_IN_LINK: Messages(
        used="This sign-in link has been used already. Ask for a new one to sign in again.",
        expired="This sign-in link has expired (links last ten minutes). Ask for a new one.",
        unknown="This sign-in link is not valid. Ask for a new one.",
    ),
    TokenPurpose.EMAIL_CHANGE: Messages(
        used="This address has been confirmed already: sign in with it.",
        expired="This confirmation link has expired (links last 24 hours and stop working "
                "once the password changes). Ask for the change again from your settings.",
        unknown="This confirmation link is not valid. Check that you copied all of it, or ask "
                "for the change again from your settings.",
        revoked="This confirmation link was replaced by a newer one: use the link in the "
                "latest email.",
    ),
}


def find(token: str, purpose: TokenPurpose) -> EmailToken:
    """The usable link for this token, without changing anything (GET pages call this);
    TokenProblem with the reason otherwise."""
    messages = MESSAGES[purpose]
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenProblem(messages.unknown)
    row = db.session.scalars(select(EmailToken).where(
        EmailToken.token_hash == hash_token(token), EmailToken.purpose == purpose,
    )).first()
    if row is not None and row.revoked_at is not None and row.used_at is None:
        raise TokenExpired(messages.revoked)
    if row is None or not row.user.active:
        raise TokenProblem(messages.unknown)
    if row.used_at is not None:
        raise TokenUsed(messages.used)
    if row.expires_at <= utcnow() or row.password_fingerprint != password_fingerprint(row.user):
        raise TokenExpired(messages.expired)
    return row


def note_opened(row: EmailToken) -> None:
    """Remember the first time the link's page was opened (staff see it on invitations)."""
    if row.opened_at is None:
        row.opened_at = utcnow()
        db.session.flush()


def revoke_open_links(user: User, purpose: TokenPurpose) -> int:
    """Stop every unused link of this purpose of the user's from working; how many there were."""
    revoked = db.session.execute(
        update(EmailToken).where(EmailToken.user_id == user.id, EmailToken.purpose == purpose,
                                 EmailToken.used_at.is_(None), EmailToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    return revoked.rowcount


def consume(token: str, purpose: TokenPurpose) -> EmailToken:
    """Use the link once: of two requests racing with the same token, only one gets it."""
    row = find(token, purpose)
    claimed = db.session.execute(
        update(EmailToken).where(EmailToken.id == row.id, EmailToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise TokenUsed(MESSAGES[purpose].used)
    db.session.refresh(row)
    return row

