"""A project template and its milestones, in order."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

MAX_MILESTONES = 60  # more steps than any real plan; a form of 200 rows is refused
MAX_DURATION_DAYS = 365


class ProjectTemplate(db.Model):
    """A named milestone set with the update cadence a project from it promises."""

    __tablename__ = "project_template"
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("update_cadence_days BETWEEN 1 AND 90", name="cadence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    update_cadence_days: Mapped[int] = mapped_column(default=7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    milestones: Mapped[list[TemplateMilestone]] = relationship(
        back_populates="template", order_by="TemplateMilestone.position",
        cascade="all, delete-orphan",
    )


class TemplateMilestone(db.Model):
    """One step of a template: its title, how long it takes and who owns it by default (a
    named member of staff, or a role that a new project fills)."""

    __tablename__ = "template_milestone"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint(f"duration_days BETWEEN 1 AND {MAX_DURATION_DAYS}",
                        name="duration_range"),
        UniqueConstraint("template_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("project_template.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    duration_days: Mapped[int]
    # Counted Monday to Friday when set; calendar days otherwise.
    working_days: Mapped[bool] = mapped_column(default=False)
    owner_role: Mapped[str] = mapped_column(String(120), default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    template: Mapped[ProjectTemplate] = relationship(back_populates="milestones")
    owner: Mapped[User | None] = relationship()
