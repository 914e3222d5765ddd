"""A client's private feed link: only a hash of its random token is kept."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class FeedLink(db.Model):
    """The one working feed link of a user (both feeds share it); resetting replaces it, so
    the old link stops working. The token itself is shown once and never stored."""

    __tablename__ = "feed_link"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash_is_sha256"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
