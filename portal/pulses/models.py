"""Pulse templates and questions, requests to a client user, their answers and follow-ups."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.projects.models import Milestone, Project, StatusUpdate


class Scale(enum.StrEnum):
    """The three kinds of question, each with its own scale."""

    CSAT = "csat"  # 1-5, "How satisfied are you with ..."
    NPS = "nps"  # 0-10, "How likely are you to recommend ..."
    CES = "ces"  # 1-7, "How easy was it ...", 7 is easiest

    @property
    def bounds(self) -> tuple[int, int]:
        return {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[self.value]

    def is_low(self, score: int) -> bool:
        """A score that opens a follow-up: CSAT 1-2, NPS 0-6, CES 1-3."""
        return score <= {"csat": 2, "nps": 6, "ces": 3}[self.value]


class Trigger(enum.StrEnum):
    """What prompted a pulse."""

    UPDATE = "update"
    MILESTONE = "milestone"
    CLOSEOUT = "closeout"
    PERIODIC = "periodic"
    CHECK_IN = "check_in"  # a placement's check-in, to its hiring manager (portal.selection)
    CARE = "care"  # 90 days after a closeout, from the client-care owner

    @property
    def description(self) -> str:
        return {
            "update": "when staff ask for feedback with an update",
            "milestone": "when a milestone is completed",
            "closeout": "at closeout, always",
            "periodic": "every month or so, to each client user",
            "check_in": "30, 60 and 90 days into a placement, to its hiring manager "
                        "({person} is the placed person's name)",
            "care": "90 days after a closeout, from the client-care owner",
        }[self.value]


class RequestState(enum.StrEnum):
    """Held by the fatigue rule, sent, or answered."""

    HELD = "held"
    SENT = "sent"
    ANSWERED = "answered"


class PulseTemplate(db.Model):
    """One to three questions, used for one kind of trigger."""

    __tablename__ = "pulse_template"
    __table_args__ = (CheckConstraint("name <> ''", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    trigger: Mapped[Trigger] = mapped_column(str_enum(Trigger, "trigger"), unique=True)

    questions: Mapped[list[PulseQuestion]] = relationship(
        back_populates="template", order_by="PulseQuestion.position",
        cascade="all, delete-orphan",
    )


class PulseQuestion(db.Model):
    """A question on a scale, optionally inviting a comment."""

    __tablename__ = "pulse_question"
    __table_args__ = (
        UniqueConstraint("template_id", "position"),
        CheckConstraint("position BETWEEN 0 AND 2", name="at_most_three"),
        CheckConstraint("prompt <> ''", name="prompt_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("pulse_template.id", ondelete="CASCADE"))
    position: Mapped[int]
    scale: Mapped[Scale] = mapped_column(str_enum(Scale, "scale"))
    prompt: Mapped[str] = mapped_column(String(300))
    invites_comment: Mapped[bool] = mapped_column(default=True)

    template: Mapped[PulseTemplate] = relationship(back_populates="questions")


class PulseRequest(db.Model):
    """A pulse for one client user, tied to what prompted it; held while the user had one lately."""

    __tablename__ = "pulse_request"
    __table_args__ = (
        CheckConstraint("(state = 'held') = (sent_at IS NULL)", name="sent_unless_held"),
        Index("ix_pulse_request_user_sent", "user_id", "sent_at"),
        Index("ix_pulse_request_organization_created", "organization_id", "created_at"),
        # Who had a periodic pulse lately (periodic_pulses) without reading every request.
        Index("ix_pulse_request_trigger_created", "trigger", "created_at"),
        # The few held requests (release_held), found without scanning the answered ones.
        Index("ix_pulse_request_held", "created_at", postgresql_where=text("state = 'held'"),
              sqlite_where=text("state = 'held'")),
        CheckConstraint("value_id IS NULL OR value_title IS NOT NULL", name="value_titled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(ForeignKey("pulse_template.id", ondelete="RESTRICT"))
    trigger: Mapped[Trigger] = mapped_column(str_enum(Trigger, "trigger"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_update.id", ondelete="SET NULL"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState, "state"))
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    # Who a check-in asks about ("Maria Lopez"): put for {person} in the questions.
    about: Mapped[str | None] = mapped_column(String(120))
    # The firm value this (periodic) pulse also asks about, and its title as asked: the title
    # stays when the value is later reworded or deleted.
    value_id: Mapped[int | None] = mapped_column(
        ForeignKey("value_item.id", ondelete="SET NULL"), index=True
    )
    value_title: Mapped[str | None] = mapped_column(String(120))
    # The client ticked "get in touch with me" with their latest answer.
    contact_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship()
    template: Mapped[PulseTemplate] = relationship()
    project: Mapped[Project | None] = relationship()
    update: Mapped[StatusUpdate | None] = relationship()
    milestone: Mapped[Milestone | None] = relationship()
    answers: Mapped[list[PulseAnswer]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    value_answers: Mapped[list[ValueAnswer]] = relationship(
        back_populates="request", order_by="ValueAnswer.id", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def value_answer(self) -> ValueAnswer | None:
        """The client's answer about the value as it stands (the latest given)."""
        return self.value_answers[-1] if self.value_answers else None

    def prompt(self, question: PulseQuestion) -> str:
        """The question as this person reads it: a check-in names the placed person."""
        return question.prompt.replace("{person}", self.about or "them")


class PulseAnswer(db.Model):
    """The client's score (and comment) for one question of one request; one row, ever."""

    __tablename__ = "pulse_answer"
    __table_args__ = (
        UniqueConstraint("request_id", "question_id"),
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        CheckConstraint("comment IS NULL OR length(comment) <= 2000", name="comment_length"),
        Index("ix_pulse_answer_answered", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("pulse_request.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_question.id", ondelete="RESTRICT"), index=True
    )
    scale: Mapped[Scale] = mapped_column(str_enum(Scale, "scale"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[PulseRequest] = relationship(back_populates="answers")
    question: Mapped[PulseQuestion] = relationship()
    revisions: Mapped[list[AnswerRevision]] = relationship(
        back_populates="answer", order_by="AnswerRevision.id", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def kind(self) -> str:
        """What the answer is called where listed: "CSAT", "Check-in" (see answer_kind)."""
        return answer_kind(self.request.trigger, self.scale)

    @property
    def label(self) -> str:
        """The answer as listed: "CSAT 4", "Check-in 4"."""
        return f"{self.kind} {self.score}"


def answer_kind(trigger: Trigger, scale: Scale) -> str:
    """What an answer is called where listed: "CSAT", "NPS", "CES", or "Check-in" (a placement
    check-in asks about the placed person, not the firm's service, so it is never CSAT)."""
    return "Check-in" if trigger == Trigger.CHECK_IN else scale.value.upper()


class AnswerRevision(db.Model):
    """One change of an answer after it was first given: who, when, what it was and became.

    The answer keeps the time it was first given; what it said at any past moment is the
    old score of its first revision after that moment (see pulses.history).
    """

    __tablename__ = "pulse_answer_revision"
    __table_args__ = (
        CheckConstraint("old_score BETWEEN 0 AND 10 AND new_score BETWEEN 0 AND 10",
                        name="score_range"),
        Index("ix_pulse_answer_revision_answer_changed", "answer_id", "changed_at"),
        Index("ix_pulse_answer_revision_changed", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("pulse_answer.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    old_score: Mapped[int]
    new_score: Mapped[int]
    old_comment: Mapped[str | None] = mapped_column(Text)
    new_comment: Mapped[str | None] = mapped_column(Text)

    answer: Mapped[PulseAnswer] = relationship(back_populates="revisions")
    changed_by: Mapped[User | None] = relationship()


class FixAnswer(enum.StrEnum):
    """The client's answer to "Did this fix it?" after a follow-up was resolved."""

    FIXED = "fixed"
    NOT_YET = "not_yet"


class FollowUp(db.Model):
    """An unhappy answer, or a request to be contacted, for the account owner to act on.

    The client who answered sees it open (who is on it, by when) and, once resolved, what was
    done (`client_summary`); `resolution` is the internal note, never shown to a client. A
    "not yet" from the client reopens it for another round: the earlier notes are kept.
    """

    __tablename__ = "pulse_follow_up"
    __table_args__ = (
        CheckConstraint("resolved_at IS NULL OR resolution IS NOT NULL",
                        name="resolved_with_note"),
        CheckConstraint("(fix_answer IS NULL) = (fix_answered_at IS NULL)",
                        name="fix_answer_dated"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("client_summary IS NULL OR length(client_summary) <= 2000",
                        name="client_summary_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_request.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(300))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # When a change made the answer no longer low (the reason says to what); None while low.
    no_longer_low_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was done, in words for the client (the internal note is `resolution`).
    client_summary: Mapped[str | None] = mapped_column(Text)
    # The client's "Did this fix it?" for this round; a "not yet" starts the next round.
    fix_answer: Mapped[FixAnswer | None] = mapped_column(str_enum(FixAnswer, "fix_answer"))
    fix_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner's manager was told it was overdue (once per round).
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[PulseRequest] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class PulseReminder(db.Model):
    """The first or second reminder of an unanswered pulse: made when due, sent when the
    person's ask budget allows (sent_at), or never if the pulse was answered meanwhile."""

    __tablename__ = "pulse_reminder"
    __table_args__ = (
        UniqueConstraint("request_id", "number"),
        CheckConstraint("number IN (1, 2)", name="at_most_two"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("pulse_request.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    request: Mapped[PulseRequest] = relationship()


VALUE_SCALE = (1, 5)


class ValueAnswer(db.Model):
    """The client's 1-5 on "did we live this value?", with a comment. Rows are only added: a
    changed answer is a new row, so what the answer said at any past moment is the latest row
    given before it (the Values lived metric reads it so)."""

    __tablename__ = "pulse_value_answer"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        CheckConstraint("comment IS NULL OR length(comment) <= 2000", name="comment_length"),
        Index("ix_pulse_value_answer_request_given", "request_id", "given_at"),
        Index("ix_pulse_value_answer_given", "given_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("pulse_request.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[PulseRequest] = relationship(back_populates="value_answers")


class ValuesPulseSettings(db.Model):
    """How often periodic pulses ask about a value: every `every_nth` periodic pulse a person
    gets (0: never), rotating through the values marked `asked_in_pulses`. One row."""

    __tablename__ = "values_pulse_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("every_nth BETWEEN 0 AND 12", name="every_nth_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    every_nth: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
