"""Firm settings (name, brand colour, logo), core values and the recruiting process steps.

The logo is kept in the database rather than as a file in instance/: every web process and
every host then serves the same logo without a shared disk, it is backed up and restored with
the rest of the firm's data, and at 512 KB at most it costs the database nothing. The column
is deferred so the pages that only need the name and colour never load the bytes.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.web.changes import ShownEverywhere

LOGO_CONTENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
SETTINGS_ID = 1

# Portable on SQLite and PostgreSQL (no regex, no GLOB): '#' and six lowercase hex digits.
_HEX_COLOUR = (
    "length(brand_color) = 7 AND substr(brand_color, 1, 1) = '#'"
    " AND ltrim(substr(brand_color, 2), '0123456789abcdef') = ''"
)


class FirmSettings(db.Model):
    """The one row of firm-wide settings; without it the portal uses the configured defaults."""

    __tablename__ = "firm_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),
        CheckConstraint("firm_name <> ''", name="firm_name_not_empty"),
        CheckConstraint(_HEX_COLOUR, name="brand_color_hex"),
        CheckConstraint(
            "(logo IS NULL AND logo_content_type IS NULL AND logo_updated_at IS NULL)"
            " OR (logo IS NOT NULL AND logo_content_type IS NOT NULL"
            " AND logo_updated_at IS NOT NULL)",
            name="logo_complete",
        ),
        CheckConstraint(
            "logo_content_type IS NULL OR logo_content_type IN ("
            + ", ".join(f"'{t}'" for t in LOGO_CONTENT_TYPES) + ")",
            name="logo_raster_type",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    firm_name: Mapped[str] = mapped_column(String(120))
    brand_color: Mapped[str] = mapped_column(String(7))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(20))
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def has_logo(self) -> bool:
        return self.logo_content_type is not None


class ValueItem(db.Model):
    """One of the firm's core values, with a concrete example of how the firm lives it."""

    __tablename__ = "value_item"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    # Whether periodic pulses ask clients about it (portal.pulses.values): staff only.
    asked_in_pulses: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessStep(db.Model):
    """One step of the recruiting and selection process, in the order the firm follows."""

    __tablename__ = "process_step"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ClientFigureSettings(ShownEverywhere, db.Model):
    """What clients see of the firm's track record: a switch per figure, and the fewest
    answers or deliveries a percentage or NPS they see may stand on. One row; without it every
    figure shows, from 5."""

    __tablename__ = "client_figure_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),
        CheckConstraint("min_count BETWEEN 1 AND 100", name="min_count_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    min_count: Mapped[int] = mapped_column(default=5)
    show_promises: Mapped[bool] = mapped_column(default=True)
    show_update_rhythm: Mapped[bool] = mapped_column(default=True)
    show_first_answer: Mapped[bool] = mapped_column(default=True)
    show_closeout_pulses: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
