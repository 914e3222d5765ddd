"""API keys, the answers kept for idempotent retries, and the versions of what the API reads."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class Scope(enum.StrEnum):
    """What a key may do: read the firm's records, write them, read account health."""

    READ = "read"
    WRITE = "write"
    HEALTH_READ = "health:read"

    @property
    def label(self) -> str:
        """What the scope allows, in words for the admin page."""
        return {
            Scope.READ: "Read accounts, contacts, projects and their history",
            Scope.WRITE: "Create and change projects, milestones, contacts, updates, questions",
            Scope.HEALTH_READ: "Read account health snapshots (internal)",
        }[self]


class ApiKey(db.Model):
    """A firm-wide key for another program; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_key"
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("scopes <> ''", name="scopes_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(20))  # the start of the secret, to recognise it
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(60))  # space-separated Scope values
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def scope_set(self) -> frozenset[Scope]:
        """The key's scopes."""
        return frozenset(Scope(value) for value in self.scopes.split())

    @property
    def state(self) -> str:
        """Active, Revoked or Expired, for the admin page."""
        if self.revoked_at is not None:
            return "Revoked"
        return "Active" if self.usable_at(utcnow()) else "Expired"

    def usable_at(self, moment: datetime) -> bool:
        """Neither revoked nor expired at that moment."""
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


class IdempotentAnswer(db.Model):
    """The answer to a POST sent with an Idempotency-Key, replayed for a day to retries."""

    __tablename__ = "api_idempotent_answer"
    __table_args__ = (UniqueConstraint("key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body, hashed
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DataVersion(db.Model):
    """How many committed transactions have written a table the API reads (portal/api/
    freshness.py): raised in the writing transaction itself, read with the caller's key."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("version > 0", name="version_positive"),)

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
