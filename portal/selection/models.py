"""Selection: the candidates staff present on a placement project, the shortlists they are
presented in, the client's decisions on them, and the settings that bound how long they show."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.web.changes import ClientVisible

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.content.models import ProcessStep
    from portal.projects.models import Project, Question

MAX_CV_BYTES = 10 * 1024 * 1024
DEFAULT_EXPIRY_DAYS = 30
DEFAULT_RETENTION_DAYS = 365


class CandidateStatus(enum.StrEnum):
    """Where a candidate stands, in order; withdrawn and erased end the way."""

    SOURCED = "sourced"
    SCREENED = "screened"
    PRESENTED = "presented"
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    PLACED = "placed"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class DecisionKind(enum.StrEnum):
    """What a client decided about a presented candidate."""

    INVITE = "invite"
    NOT_A_FIT = "not_a_fit"
    QUESTION = "question"

    @property
    def label(self) -> str:
        return {"invite": "Invite to interview", "not_a_fit": "Not a fit",
                "question": "Asked a question"}[self.value]


class Candidate(ClientVisible, db.Model):
    """A person staff put forward on a placement project: their profile, why the firm chose
    them, and a CV. Erasing one blanks everything personal and keeps the row for the counts."""

    __tablename__ = "candidate"
    internal_fields = frozenset({"updated_at"})
    __table_args__ = (
        CheckConstraint("display_name <> ''", name="display_name_not_empty"),
        CheckConstraint(
            "(cv IS NULL AND cv_filename IS NULL AND cv_size IS NULL)"
            " OR (cv IS NOT NULL AND cv_filename IS NOT NULL AND cv_size IS NOT NULL)",
            name="cv_complete",
        ),
        CheckConstraint(f"cv_size IS NULL OR cv_size BETWEEN 1 AND {MAX_CV_BYTES}",
                        name="cv_size_range"),
        CheckConstraint("(status = 'erased') = (erased_at IS NOT NULL)", name="erased_dated"),
        CheckConstraint("screened_on IS NULL OR screened_on >= sourced_on",
                        name="screened_after_sourced"),
        Index("ix_candidate_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(120))
    # Presented as "Candidate A": the client sees display_name only when this is false.
    anonymous: Mapped[bool] = mapped_column(default=False)
    headline: Mapped[str] = mapped_column(String(160), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    availability: Mapped[str] = mapped_column(String(120), default="")
    rate_band: Mapped[str] = mapped_column(String(120), default="")
    skills: Mapped[str] = mapped_column(String(500), default="")  # comma-separated
    summary_md: Mapped[str] = mapped_column(Text, default="")
    why_chosen_md: Mapped[str] = mapped_column(Text, default="")
    cv: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    cv_filename: Mapped[str | None] = mapped_column(String(200))
    cv_size: Mapped[int | None]
    sourced_on: Mapped[date]
    screened_on: Mapped[date | None]
    status: Mapped[CandidateStatus] = mapped_column(
        str_enum(CandidateStatus, "status"), default=CandidateStatus.SOURCED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    screening_steps: Mapped[list[CandidateScreeningStep]] = relationship(
        back_populates="candidate", order_by="CandidateScreeningStep.passed_on",
        cascade="all, delete-orphan",
    )
    status_changes: Mapped[list[CandidateStatusChange]] = relationship(
        back_populates="candidate", order_by="CandidateStatusChange.changed_at",
        cascade="all, delete-orphan",
    )
    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[CandidateDecision]] = relationship(
        back_populates="candidate", order_by="CandidateDecision.decided_at",
        cascade="all, delete-orphan",
    )

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def skill_list(self) -> list[str]:
        return [skill.strip() for skill in self.skills.split(",") if skill.strip()]

    def __repr__(self) -> str:
        return f"<Candidate {self.id} of project {self.project_id} {self.status}>"


def _candidate_shown_on(row) -> Project | int | None:
    """The project a candidate's row shows on, even once taken out of the candidate's list."""
    candidate = row.candidate or db.session.get(Candidate, row.candidate_id)
    return candidate.shown_on() if candidate is not None else None


class CandidateStatusChange(ClientVisible, db.Model):
    """One step of a candidate's way (sourced, screened, presented ...): the dated history the
    funnel is computed from, kept (anonymous) when the candidate is erased."""

    __tablename__ = "candidate_status_change"
    project_key = None

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CandidateStatus] = mapped_column(str_enum(CandidateStatus, "status"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    candidate: Mapped[Candidate] = relationship(back_populates="status_changes")
    changed_by: Mapped[User | None] = relationship()

    def shown_on(self) -> Project | int | None:
        """Where its candidate is shown (read again when the row left its collection)."""
        return _candidate_shown_on(self)


class CandidateScreeningStep(ClientVisible, db.Model):
    """A step of the firm's published process (/process) a candidate passed: when, run by whom.
    The step's title is kept, so renaming or removing a process step leaves the record true."""

    __tablename__ = "candidate_screening_step"
    project_key = None
    __table_args__ = (
        UniqueConstraint("candidate_id", "process_step_id"),
        CheckConstraint("step_title <> ''", name="step_title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    process_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_step.id", ondelete="SET NULL"), index=True
    )
    step_title: Mapped[str] = mapped_column(String(120))
    passed_on: Mapped[date]
    run_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    candidate: Mapped[Candidate] = relationship(back_populates="screening_steps")
    process_step: Mapped[ProcessStep | None] = relationship()
    run_by: Mapped[User | None] = relationship()

    def shown_on(self) -> Project | int | None:
        """Where its candidate is shown (read again when the row left its collection)."""
        return _candidate_shown_on(self)


class Shortlist(ClientVisible, db.Model):
    """Candidates presented to the client at once (one email); each shows until expires_at."""

    __tablename__ = "shortlist"
    __table_args__ = (
        CheckConstraint("expires_at > presented_at", name="expires_after_presented"),
        Index("ix_shortlist_project_presented", "project_id", "presented_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    presented_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    presented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship()
    presented_by: Mapped[User | None] = relationship()
    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="shortlist", order_by="ShortlistEntry.position",
        cascade="all, delete-orphan",
    )


class ShortlistEntry(ClientVisible, db.Model):
    """A candidate in a shortlist; a candidate presented again is in a later shortlist too."""

    __tablename__ = "shortlist_entry"
    project_key = None
    __table_args__ = (
        UniqueConstraint("shortlist_id", "candidate_id"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlist.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    shortlist: Mapped[Shortlist] = relationship(back_populates="entries")
    candidate: Mapped[Candidate] = relationship(back_populates="entries")

    def shown_on(self) -> Project | int | None:
        """Where its shortlist is shown."""
        return self.shortlist.shown_on()


class RejectionReason(db.Model):
    """A reason a client may give for "not a fit", from the list the admin keeps; a reason in
    use is retired, not deleted, so past decisions keep theirs."""

    __tablename__ = "rejection_reason"
    __table_args__ = (
        CheckConstraint("label <> ''", name="label_not_empty"),
        UniqueConstraint("label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CandidateDecision(ClientVisible, db.Model):
    """A client's decision on a presented candidate. A changed decision is a new row and the
    old one is kept, superseded; staff acting on the current one closes it to changes."""

    __tablename__ = "candidate_decision"
    project_key = None  # (and so no names_people: the change tracker finds rows by project)
    internal_fields = frozenset({"acted_on_at", "acted_on_by_id"})
    __table_args__ = (
        CheckConstraint("(kind = 'not_a_fit') = (reason_id IS NOT NULL)",
                        name="reason_for_not_a_fit"),
        CheckConstraint("superseded_at IS NULL OR superseded_at >= decided_at",
                        name="superseded_after"),
        CheckConstraint("acted_on_at IS NULL OR acted_on_at >= decided_at",
                        name="acted_on_after"),
        Index("ix_candidate_decision_candidate_decided", "candidate_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind, "kind"))
    reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("rejection_reason.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    # "Ask a question" is asked through the project's questions: this is the one it opened.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted_on_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    candidate: Mapped[Candidate] = relationship(back_populates="decisions")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    acted_on_by: Mapped[User | None] = relationship(foreign_keys=[acted_on_by_id])
    reason: Mapped[RejectionReason | None] = relationship()
    question: Mapped[Question | None] = relationship()

    def shown_on(self) -> Project | int | None:
        """Where its candidate is shown (read again when the row left its collection)."""
        return _candidate_shown_on(self)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def is_acted_on(self) -> bool:
        return self.acted_on_at is not None


class CandidateView(db.Model):
    """When a client user first (and last) opened a candidate's profile: staff see it, the
    client does not, so it bumps nothing."""

    __tablename__ = "candidate_view"
    __table_args__ = (
        UniqueConstraint("candidate_id", "user_id"),
        CheckConstraint("last_viewed_at >= first_viewed_at", name="last_after_first"),
        CheckConstraint("views >= 1", name="views_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    views: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()


class SelectionSettings(db.Model):
    """The one row of selection settings the admin keeps: how long a presented candidate
    shows to the client, and how long candidates of a closed project are kept. A shortlist's
    expiry is set when it is presented, so a change here applies to later ones only."""

    __tablename__ = "selection_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("expiry_days BETWEEN 1 AND 365", name="expiry_days_range"),
        CheckConstraint("retention_days BETWEEN 30 AND 3650", name="retention_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    expiry_days: Mapped[int] = mapped_column(default=DEFAULT_EXPIRY_DAYS)
    retention_days: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_DAYS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
