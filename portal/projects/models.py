"""Projects and what the client follows on them: milestones, updates, ETA changes, questions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.selection.models import Candidate
from portal.web.changes import ClientVisible

if TYPE_CHECKING:
    from portal.accounts.models import Organization
    from portal.auth.models import User
    from portal.closeout.models import Closeout


class ProjectStatus(enum.StrEnum):
    """Where the work stands, in the words the client sees."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"
    DONE = "done"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Confidence(enum.StrEnum):
    """How sure the firm is of an ETA."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Project(ClientVisible, db.Model):
    """A piece of work for a client organisation, with a status, an ETA and a named contact."""

    internal_fields = frozenset({"version", "external_id"})  # its own counter; the CRM's id
    names_people = ("contact_id",)
    project_key = "id"

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("update_cadence_days BETWEEN 1 AND 90", name="cadence_range"),
        CheckConstraint(
            "closed_on IS NULL OR started_on IS NULL OR closed_on >= started_on",
            name="closed_after_started",
        ),
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("closed_on IS NULL OR status = 'done'", name="closed_means_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "status"), default=ProjectStatus.NOT_STARTED
    )
    eta: Mapped[date | None]
    eta_confidence: Mapped[Confidence] = mapped_column(
        str_enum(Confidence, "eta_confidence"), default=Confidence.MEDIUM
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    update_cadence_days: Mapped[int] = mapped_column(default=7)
    started_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    # The firm's own id for the project (its CRM's or ATS's): what an import matches rows on.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while the project is archived: gone from its client and staff lists, kept for reports.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change a client can see; open pages poll it (ETag) to refresh live.
    version: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship(back_populates="projects")
    contact: Mapped[User | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", order_by="Milestone.position", cascade="all, delete-orphan"
    )
    updates: Mapped[list[StatusUpdate]] = relationship(
        back_populates="project",
        order_by="StatusUpdate.published_at.desc()",
        cascade="all, delete-orphan",
    )
    eta_changes: Mapped[list[EtaChange]] = relationship(
        back_populates="project", order_by="EtaChange.changed_at", cascade="all, delete-orphan"
    )
    selection_counts: Mapped[list[SelectionCount]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="project", order_by="Question.asked_at.desc()",
        cascade="all, delete-orphan",
    )
    closeout: Mapped[Closeout | None] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    # Whether candidates are recorded (then its funnel is computed from them): deferred, and
    # read with the project itself where a page shows the funnel (projects/pages.py).
    has_candidates: Mapped[bool] = column_property(
        exists().where(Candidate.project_id == id), deferred=True)

    def shown_on(self) -> Project:
        """A project's own pages show it."""
        return self

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r}>"


class Milestone(ClientVisible, db.Model):
    """A step of a project, with its own owner the client can reach and its own dates."""

    internal_fields = frozenset({"external_id"})  # the CRM's id, never shown to a client
    names_people = ("owner_id",)

    __tablename__ = "milestone"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        UniqueConstraint("project_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    position: Mapped[int]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    planned_on: Mapped[date | None]
    eta: Mapped[date | None]
    completed_on: Mapped[date | None]
    # The firm's own id for the milestone: what an import matches rows on.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    project: Mapped[Project] = relationship(back_populates="milestones")
    owner: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


class StatusUpdate(ClientVisible, db.Model):
    """A published note to the client, freezing the status and ETA it announced."""

    internal_fields = frozenset({"internal_note", "ask_feedback"})

    __tablename__ = "status_update"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        Index("ix_status_update_project_published", "project_id", "published_at"),
        # The latest updates across every project (staff home): no sort of the whole table.
        Index("ix_status_update_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, "status"))
    eta: Mapped[date | None]
    eta_confidence: Mapped[Confidence] = mapped_column(str_enum(Confidence, "eta_confidence"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # For staff only: never rendered for a client, in a page, an email, a PDF or an export.
    internal_note: Mapped[str | None] = mapped_column(Text)
    ask_feedback: Mapped[bool] = mapped_column(default=False)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    revisions: Mapped[list[UpdateRevision]] = relationship(
        back_populates="update", order_by="UpdateRevision.replaced_at",
        cascade="all, delete-orphan",
    )


class UpdateRevision(ClientVisible, db.Model):
    """The text an update had before an edit: published words are never silently lost."""

    project_key = None

    __tablename__ = "update_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("status_update.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    update: Mapped[StatusUpdate] = relationship(back_populates="revisions")
    replaced_by: Mapped[User | None] = relationship()

    def shown_on(self) -> Project | int | None:
        """Where its update is shown."""
        return self.update.shown_on()


class UpdateDraft(db.Model):
    """An update a member of staff is still writing; nothing of it reaches the client."""

    __tablename__ = "update_draft"
    __table_args__ = (UniqueConstraint("project_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, "status"))
    eta: Mapped[date | None]
    eta_confidence: Mapped[Confidence] = mapped_column(str_enum(Confidence, "eta_confidence"))
    reason: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    ask_feedback: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship()


class EtaChange(ClientVisible, db.Model):
    """One move of a project's or a milestone's ETA; a later date always carries a reason."""

    __tablename__ = "eta_change"
    __table_args__ = (
        CheckConstraint(
            "old_eta IS NULL OR new_eta <= old_eta OR (reason IS NOT NULL AND reason <> '')",
            name="later_needs_reason",
        ),
        Index("ix_eta_change_project_changed", "project_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone.id", ondelete="CASCADE"), index=True
    )
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_update.id", ondelete="SET NULL"), index=True
    )
    old_eta: Mapped[date | None]
    new_eta: Mapped[date]
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="eta_changes")
    milestone: Mapped[Milestone | None] = relationship()
    update: Mapped[StatusUpdate | None] = relationship()
    changed_by: Mapped[User | None] = relationship()

    @property
    def is_later(self) -> bool:
        return self.old_eta is not None and self.new_eta > self.old_eta


class QuestionKind(enum.StrEnum):
    """A client's question, or a concern they want the firm to act on."""

    QUESTION = "question"
    CONCERN = "concern"


class Question(ClientVisible, db.Model):
    """A client's question or concern on a project; the first staff answer is timed."""

    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        CheckConstraint(
            "first_answered_at IS NULL OR first_answered_at >= asked_at", name="answered_after"
        ),
        Index("ix_question_project_asked", "project_id", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "kind"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    project: Mapped[Project] = relationship(back_populates="questions")
    author: Mapped[User | None] = relationship()
    replies: Mapped[list[Reply]] = relationship(
        back_populates="question", order_by="Reply.posted_at", cascade="all, delete-orphan"
    )

    @property
    def is_answered(self) -> bool:
        return self.first_answered_at is not None


class Reply(ClientVisible, db.Model):
    """A message in a question's thread, from staff or from the client."""

    project_key = None

    __tablename__ = "question_reply"
    __table_args__ = (CheckConstraint("body <> ''", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()

    def shown_on(self) -> Project | int | None:
        """Where its question is shown."""
        return self.question.shown_on()


class FunnelStage(enum.StrEnum):
    """The steps of recruiting and selection a placement goes through, in order."""

    SOURCED = "sourced"
    SCREENED = "screened"
    INTERVIEWED = "interviewed"
    PRESENTED = "presented"
    PLACED = "placed"


class SelectionCount(ClientVisible, db.Model):
    """How many candidates a placement project has taken through one stage, as of a date."""

    __tablename__ = "selection_count"
    __table_args__ = (
        UniqueConstraint("project_id", "stage"),
        CheckConstraint("candidates >= 0", name="candidates_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    stage: Mapped[FunnelStage] = mapped_column(str_enum(FunnelStage, "stage"))
    candidates: Mapped[int]
    as_of: Mapped[date]

    project: Mapped[Project] = relationship(back_populates="selection_counts")
