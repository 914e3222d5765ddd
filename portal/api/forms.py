"""The admin form that creates an API key."""

from datetime import UTC, datetime, time

from wtforms import DateField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.api.models import Scope
from portal.forms import PortalForm


class ScopesField(SelectMultipleField):
    """Scopes as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApiKeyForm(PortalForm):
    """A name saying which program uses the key, its scopes and an optional expiry."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       description="Which program uses it, e.g. \u201cJira sync\u201d.")
    scopes = ScopesField(
        "Scopes", choices=[SelectChoice(s.value, f"{s.value}: {s.label}") for s in Scope],
        validators=[DataRequired(message="Choose at least one scope.")])
    expires_on = DateField("Expires on (optional)", validators=[Optional()],
                           description="The key stops working at the start of this day (UTC).")

    def validate_expires_on(self, field) -> None:
        """The expiry is a day to come."""
        if field.data and field.data <= datetime.now(UTC).date():
            raise ValidationError("Choose a day after today.")

    def data_for_service(self) -> dict:
        """The key's name, scopes and expiry as the service takes them."""
        expires = self.expires_on.data
        return {"name": self.name.data, "scopes": [Scope(s) for s in self.scopes.data],
                "expires_at": datetime.combine(expires, time(), tzinfo=UTC) if expires else None}
