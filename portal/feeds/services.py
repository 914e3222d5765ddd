"""Feed links: made, reset and turned off by their owner, found by their token. A link is a
random token whose SHA-256 alone is kept, so a copy of the database opens no feed. Functions
flush; the caller commits."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.feeds.models import FeedLink

TOKEN_BYTES = 32  # 256 random bits: 43 URL-safe characters
MAX_TOKEN_LENGTH = 64  # longer than any token we make; a longer one is not looked up
READ_NOTED_EVERY = timedelta(minutes=1)  # a reader polling often writes once a minute at most


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_have_feeds(user: User) -> bool:
    """Feeds are for client users: what they list is what their organisation may see."""
    return user.role == Role.CLIENT


def works(link: FeedLink) -> bool:
    """Whether the link opens its feeds: its owner is an active client user whose password
    has not been changed or reset since it was made (how people lock out what leaked)."""
    user = link.user
    changed = user.password_changed_at
    return (user.active and may_have_feeds(user)
            and (changed is None or changed <= link.created_at))


def feed_link(user: User) -> FeedLink | None:
    """The user's working feed link (without its token, which is not kept), or None."""
    return db.session.get(FeedLink, user.id)


def make_feed_link(user: User) -> str:
    """A new feed link for the user, replacing (and so revoking) any earlier one; returns its
    token, which is shown once. Two at once (two tabs): the later replaces the earlier."""
    if not may_have_feeds(user):
        raise ValueError("feeds are for client users")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    values = {"token_hash": _hashed(token), "created_at": utcnow(), "last_read_at": None}
    replace = update(FeedLink).where(FeedLink.user_id == user.id).values(**values)
    if not db.session.execute(replace).rowcount:
        try:
            with db.session.begin_nested():
                db.session.add(FeedLink(user_id=user.id, **values))
        except IntegrityError:  # made meanwhile by another request: replace it
            db.session.execute(replace)
    db.session.flush()
    return token


def turn_off_feeds(user: User) -> bool:
    """Revoke the user's feed link without a new one; True if there was one."""
    removed = db.session.execute(delete(FeedLink).where(FeedLink.user_id == user.id))
    db.session.flush()
    return bool(removed.rowcount)


def reading_link(token: str) -> FeedLink | None:
    """The working link that carries this token, noted as read (at most once a minute), if
    it still works; None for anything else (unknown, reset, turned off, made before a password
    change or reset, a deactivated or erased user, no longer a client)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = db.session.scalar(select(FeedLink).options(joinedload(FeedLink.user))
                             .where(FeedLink.token_hash == _hashed(token)))
    if link is None or not works(link):
        return None
    now = utcnow()
    if link.last_read_at is None or now - link.last_read_at > READ_NOTED_EVERY:
        link.last_read_at = now
        db.session.flush()
    return link
