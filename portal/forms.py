"""The base of every form: text with control characters is refused, as that field's error.

NUL cannot be stored in a PostgreSQL text column (the insert fails), and the other C0 controls
(and DEL) are invisible, print as nothing and break CSV and email headers; nobody types them on
purpose. Tab, newline and carriage return are ordinary text. Every form in portal/ derives from
PortalForm (or PortalSubform for a form inside a form), so the rule holds in one place.
"""

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, Form, FormField

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = (
    "This contains an invisible control character (such as a null byte) that cannot be saved. "
    "Remove it, or retype the text, and try again."
)


def refuse_control_characters(value: Any) -> Any:
    """A field filter: text with a control character becomes the field's error."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError(CONTROL_CHARACTER_MESSAGE)
    return value


class PlainTextMeta:
    """Puts refuse_control_characters before every field's own filters."""

    def bind_field(self, form: Form, unbound_field: Any, options: dict) -> Field:
        """Bind the field with the filter added (forms within forms check their own fields)."""
        if not issubclass(unbound_field.field_class, (FormField, FieldList)):
            own = unbound_field.kwargs.get("filters", ())
            options = {**options, "filters": [refuse_control_characters, *own]}
        return super().bind_field(form, unbound_field, options)


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF and all) whose text fields refuse control characters."""

    class Meta(PlainTextMeta):
        pass


class PortalSubform(Form):
    """A form inside a PortalForm (no CSRF of its own), with the same rule."""

    class Meta(PlainTextMeta):
        pass
