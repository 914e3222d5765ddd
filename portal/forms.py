"""The base of every form: text with control characters is refused, as that field's error;
so are line breaks in one-line fields, and dates the portal cannot count with.

NUL cannot be stored in a PostgreSQL text column (the insert fails), and the other C0 controls
(and DEL) are invisible, print as nothing and break CSV and email headers; nobody types them on
purpose. Tab, newline and carriage return are ordinary text in a text area; in a one-line field
(a name, a title, an email) no browser sends them, and a name with a line break would end up
in an email header. Every form in portal/ derives from PortalForm (or PortalSubform for a form
inside a form), so the rules hold in one place.
"""

from datetime import date
from typing import Any

import wtforms
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from portal.plain_text import (
    CONTROL_CHARACTER_MESSAGE,
    CONTROL_CHARACTERS,
    LINE_BREAK_MESSAGE,
    LINE_BREAKS,
)

# Dates staff and clients give: wide enough for any real project, narrow enough that a day
# more or less (an ETA's history, a report's end) never leaves Python's calendar.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def refuse_control_characters(value: Any) -> Any:
    """A field filter: text with a control character becomes the field's error."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError(CONTROL_CHARACTER_MESSAGE)
    return value


def refuse_line_breaks(value: Any) -> Any:
    """A one-line field's filter: a line break (CR, LF or a Unicode one) is the field's error."""
    if isinstance(value, str) and LINE_BREAKS.search(value):
        raise ValueError(LINE_BREAK_MESSAGE)
    return value


def refuse_far_dates(value: Any) -> Any:
    """A date field's filter: a date outside EARLIEST_DATE..LATEST_DATE is the field's error."""
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"Give a date from {EARLIEST_DATE:%-d %b %Y} to {LATEST_DATE:%-d %b %Y}.")
    return value


def refuse_long_numbers(form: Form, field: Field) -> None:
    """A whole-number field's first check: more than 9 digits is refused before any range check
    compares it (WTForms' NumberRange turns it into a float, which overflows)."""
    if field.raw_data and len(str(field.raw_data[0]).strip().lstrip("+-")) > 9:
        raise StopValidation("Give a whole number of at most 9 digits.")


def _filters_for(field_class: type) -> list:
    """The portal's filters for a kind of field, run before the field's own."""
    if issubclass(field_class, DateField):
        return [refuse_far_dates]
    one_line = issubclass(field_class, StringField) and not issubclass(
        field_class, (TextAreaField, PasswordField))
    return [refuse_control_characters, refuse_line_breaks] if one_line else [
        refuse_control_characters]


class PlainTextMeta:
    """Puts the portal's filters (_filters_for) before every field's own filters."""

    def bind_field(self, form: Form, unbound_field: Any, options: dict) -> Field:
        """Bind the field with the filters added (forms within forms check their own fields)."""
        if not issubclass(unbound_field.field_class, (FormField, wtforms.FieldList)):
            own = unbound_field.kwargs.get("filters", ())
            options = {**options, "filters": [*_filters_for(unbound_field.field_class), *own]}
        if issubclass(unbound_field.field_class, IntegerField):
            checks = unbound_field.kwargs.get("validators", ())
            options = {**options, "validators": [refuse_long_numbers, *checks]}
        return super().bind_field(form, unbound_field, options)


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF and all) whose text fields refuse control characters."""

    class Meta(PlainTextMeta):
        pass


class PortalSubform(Form):
    """A form inside a PortalForm (no CSRF of its own), with the same rule."""

    class Meta(PlainTextMeta):
        pass


class FieldList(wtforms.FieldList):
    """WTForms' FieldList, reading only the entry numbers a form of ours could have written.

    WTForms reads any digits after the prefix as a number: "²" fails to convert, and 5,000
    digits exceed what int() takes; either was a 500 for every form with a list.
    """

    MAX_INDEX_DIGITS = 4

    def _extract_indices(self, prefix: str, formdata: Any):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= self.MAX_INDEX_DIGITS:
                    yield int(index)


def zones_by_region(zones: list[str]) -> dict[str, list[SelectChoice]]:
    """Timezone choices grouped by their region (Europe, America, ...); the rest under Other."""
    regions: dict[str, list[SelectChoice]] = {}
    for zone in zones:
        region, _, place = zone.partition("/")
        grouped = place and region not in ("Etc", "SystemV", "US", "Canada", "Brazil", "Chile",
                                           "Mexico")
        regions.setdefault(region if grouped else "Other", []).append(
            SelectChoice(zone, place.replace("_", " ") if grouped else zone))
    return dict(sorted(regions.items(), key=lambda item: (item[0] == "Other", item[0])))


class TimezoneField(wtforms.SelectField):
    """A timezone picker grouped by region; js/forms.js adds a search and, when nothing was
    chosen yet (an empty first choice), preselects the browser's zone."""

    def set_zones(self, zones: list[str], *, first: SelectChoice | None = None) -> None:
        """The zones to offer, with an optional choice above them (a group of its own)."""
        grouped = zones_by_region(zones)
        self.choices = {"Default": [first], **grouped} if first else grouped

    def __call__(self, **kwargs: Any):
        kwargs.setdefault("data-timezone", "")
        kwargs.setdefault("data-chosen", self.data or "")
        return super().__call__(**kwargs)
