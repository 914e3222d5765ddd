"""Rules for firm settings, the logo and the ordered value and process lists.

Functions flush; the caller commits.
"""

import io
import re
import warnings
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from PIL import Image, UnidentifiedImageError
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import undefer

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock, lock_table
from portal.content import brand
from portal.content.models import SETTINGS_ID, FirmSettings, ProcessStep, ValueItem
from portal.db import utcnow
from portal.extensions import db
from portal.plain_text import one_line_problem
from portal.web import facts

DEFAULT_BRAND_COLOR = "#1f4e79"
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 4096
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
BRANDING = "branding"  # the fact every signed-in page reads with the user

OrderedItem = ValueItem | ProcessStep


class ContentError(ValueError):
    """A change to the firm's content was refused; `field` names the form field to show it on."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class LogoRejected(ContentError):
    """The upload is not a raster image we serve, or it is too large; the old logo stays."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="logo")


@dataclass(frozen=True)
class Branding:
    """What every page needs to brand itself, without touching the ORM in templates."""

    firm_name: str
    brand_color: str
    header_ink: str
    logo_version: str | None  # changes with each upload, so browsers fetch the new logo

    @property
    def has_logo(self) -> bool:
        return self.logo_version is not None

    @property
    def accent(self) -> str:
        """The header's and buttons' colour: the brand colour, or its nearest readable shade."""
        return brand.accent(self.brand_color)

    @property
    def accent_ink(self) -> str:
        """Text on the accent colour, light or dark, at WCAG AA."""
        return brand.ink_on(self.accent)

    @property
    def favicon_version(self) -> str:
        """Changes whenever the favicon would: a new logo, colour or name."""
        return f"{self.logo_version or 'mark'}-{self.accent[1:]}-{self.firm_name[:1].upper()}"

    @property
    def link(self) -> str:
        """Links and focus rings on the light page: the brand colour at AA contrast."""
        return brand.link_colour(self.brand_color)


def normalise_colour(value: str) -> str:
    """The colour as lowercase #rrggbb; ContentError for anything else."""
    colour = (value or "").strip().lower()
    if not HEX_COLOUR.fullmatch(colour):
        raise ContentError(
            "Give the brand colour as # and six hex digits, like #1f4e79.", field="brand_color"
        )
    return colour


def get_settings() -> FirmSettings | None:
    """The firm's settings row, if an admin has saved one; the logo bytes stay unloaded."""
    return db.session.get(FirmSettings, SETTINGS_ID)


def default_branding(firm_name: str) -> Branding:
    """The branding of a firm that has saved no settings: its configured name, no logo."""
    return Branding(firm_name, DEFAULT_BRAND_COLOR, brand.ink_on(DEFAULT_BRAND_COLOR), None)


# Read for every page's header: built once, not per request.
_SETTINGS = select(FirmSettings).where(FirmSettings.id == bindparam("settings_id"))


def header_columns() -> list:
    """What the header shows of the settings, as columns read with the signed-in user."""
    return [select(column).where(FirmSettings.id == SETTINGS_ID).scalar_subquery()
            for column in (FirmSettings.firm_name, FirmSettings.brand_color,
                           FirmSettings.logo_updated_at)]


def current_branding(*, default_name: str) -> Branding:
    """Name, colour and logo version for the page header, with the configured fallbacks."""
    settings = db.session.scalars(_SETTINGS, {"settings_id": SETTINGS_ID}).one_or_none()
    if settings is None:
        return default_branding(default_name)
    return _branding(settings.firm_name, settings.brand_color, settings.logo_updated_at)


def _branding(firm_name: str | None, colour: str, logo_updated_at: datetime | None,
              default_name: str = "") -> Branding:
    """The branding of these settings (no firm name: no settings saved)."""
    if firm_name is None:
        return default_branding(default_name)
    version = logo_updated_at.strftime("%Y%m%d%H%M%S%f") if logo_updated_at else None
    return Branding(firm_name, colour, brand.ink_on(colour), version)


def branding() -> Branding:
    """This request's branding, read from the database once however many templates use it
    (with the signed-in user, when there is one: portal/web/facts.py)."""
    if "branding" not in g:
        fallback = current_app.config["FIRM_NAME"]
        read = facts.known(BRANDING)
        try:
            g.branding = (_branding(*read, default_name=fallback) if read is not None
                          else current_branding(default_name=fallback))
        except SQLAlchemyError:
            # Error pages must still render when the database is what failed.
            db.session.rollback()
            current_app.logger.warning("firm settings unavailable; pages use the defaults")
            g.branding = default_branding(fallback)
    return g.branding


def load_logo() -> FirmSettings | None:
    """The settings with the logo bytes loaded, or None when there is no logo."""
    settings = db.session.get(FirmSettings, SETTINGS_ID, options=[undefer(FirmSettings.logo)])
    return settings if settings is not None and settings.has_logo else None


def inspect_logo(data: bytes) -> str:
    """The content type of an acceptable logo; LogoRejected with the reason otherwise."""
    if not data:
        raise LogoRejected("The logo file is empty.")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRejected(f"The logo is {len(data) // 1024} KB; the limit is "
                           f"{MAX_LOGO_BYTES // 1024} KB. The old logo is kept.")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype")) or b"<svg" in head:
        raise LogoRejected("SVG logos are not accepted (they can carry scripts): "
                           "upload a PNG, JPEG, GIF or WebP. The old logo is kept.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as image:
                image.verify()
            with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as image:
                if max(image.size) > MAX_LOGO_SIDE:
                    raise LogoRejected(f"The logo is {image.width}×{image.height} pixels; "
                                       f"at most {MAX_LOGO_SIDE} on a side, please.")
                image.load()  # decode every pixel: a truncated or forged file fails here
                return LOGO_FORMATS[image.format]
    except LogoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError,
            OSError, SyntaxError, ValueError) as error:
        raise LogoRejected("That file is not a PNG, JPEG, GIF or WebP image we can read. "
                           "The old logo is kept.") from error


def update_settings(
    *, firm_name: str, brand_color: str, logo: bytes | None = None, remove_logo: bool = False,
    by: User | None,
) -> FirmSettings:
    """Save name, colour and optionally a new logo; a refused logo changes nothing at all."""
    colour = normalise_colour(brand_color)
    content_type = inspect_logo(logo) if logo is not None else None
    name = firm_name.strip()
    if not name:
        raise ContentError("The firm needs a name.", field="firm_name")
    problem = one_line_problem({"The firm's name": name})
    if problem:  # it is in the From of every email
        raise ContentError(problem, field="firm_name")
    settings = get_settings()
    if settings is None:
        settings = FirmSettings(id=SETTINGS_ID, firm_name=name, brand_color=colour)
        db.session.add(settings)
    settings.firm_name, settings.brand_color = name, colour
    if content_type is not None:
        settings.logo, settings.logo_content_type = logo, content_type
        settings.logo_updated_at = utcnow()
    elif remove_logo:
        settings.logo = settings.logo_content_type = settings.logo_updated_at = None
    db.session.flush()
    logo_change = ", a new logo" if content_type else ", logo removed" if remove_logo else ""
    audit.record("content.settings_changed", actor=by, target=settings,
                 summary=f"name {name}, colour {colour}{logo_change}")
    return settings


def ordered_items(model: type[OrderedItem]) -> list[OrderedItem]:
    """Every value or every process step, in the order clients read them."""
    return list(db.session.scalars(select(model).order_by(model.position)))


def _next_position(model: type[OrderedItem]) -> int:
    last = db.session.scalar(select(func.max(model.position)))
    return 0 if last is None else last + 1


def add_item(model: type[OrderedItem], *, by: User | None, **fields: str) -> OrderedItem:
    """Append a value or a process step at the end of its list."""
    lock_table(model)  # two admins adding at once would count the same last place
    item = model(position=_next_position(model), **_cleaned(fields))
    db.session.add(item)
    db.session.flush()
    audit.record("content.item_added", actor=by, target=item, summary=item.title)
    return item


def item_version(item: OrderedItem) -> str:
    """The version of what the edit form of a value or a process step shows: its text."""
    return edit_version(item.title, item.body, getattr(item, "example", None))


def update_item(item: OrderedItem, *, by: User | None, seen: str | None = None,
                **fields: str) -> None:
    """Change the text of a value or a process step; its place in the list stays.

    `seen` is the item_version() the form was opened on; refused (ChangedMeanwhile) if it
    changed since, DeletedMeanwhile if it is gone.
    """
    lock(item)
    check_version(seen, item_version(item))
    for name, value in _cleaned(fields).items():
        setattr(item, name, value)
    db.session.flush()
    audit.record("content.item_edited", actor=by, target=item, summary=item.title)


def delete_item(item: OrderedItem, *, by: User) -> None:
    """Remove a value or a process step; the others keep their order (gaps are harmless).

    DeletedMeanwhile if someone else deleted it first.
    """
    lock(item)
    audit.record("content.item_deleted", actor=by, target=item, summary=item.title)
    db.session.delete(item)
    db.session.flush()


def move_item(item: OrderedItem, *, up: bool, by: User) -> bool:
    """Swap the item with its neighbour above or below; False when it is already at that end.

    DeletedMeanwhile if someone deleted it since it was read.
    """
    model = type(item)
    lock_table(model)  # the neighbours and the spare place are counted from every row
    lock(item)
    stmt = select(model).where(
        model.position < item.position if up else model.position > item.position
    ).order_by(model.position.desc() if up else model.position).limit(1)
    neighbour = db.session.scalars(stmt.with_for_update(key_share=True)).first()
    if neighbour is None:
        return False
    mine, theirs = item.position, neighbour.position
    # Positions are unique and checked row by row, so one of the two steps aside first.
    item.position = _next_position(model)
    db.session.flush()
    neighbour.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    audit.record("content.item_moved", actor=by, target=item,
                 summary=f"{item.title} {'up' if up else 'down'}")
    return True


def _cleaned(fields: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    if "title" in cleaned and not cleaned["title"]:
        raise ContentError("Give it a title.", field="title")
    problem = one_line_problem({"The title": cleaned.get("title")})
    if problem:
        raise ContentError(problem, field="title")
    return cleaned
