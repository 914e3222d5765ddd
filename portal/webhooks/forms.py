"""The endpoint form an admin fills in, and the buttons of the endpoint's page."""

from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.concurrency import VersionedForm
from portal.forms import PortalForm
from portal.webhooks.models import EndpointKind, EventType

EVENT_HINTS = {
    EventType.UPDATE_PUBLISHED: "a status update is published",
    EventType.ETA_CHANGED: "a project's or milestone's ETA moves",
    EventType.MILESTONE_COMPLETED: "a milestone is completed",
    EventType.QUESTION_ASKED: "a client asks a question or raises a concern",
    EventType.QUESTION_ANSWERED: "someone at the firm replies to one",
    EventType.PULSE_ANSWERED: "a client answers a pulse",
    EventType.FOLLOW_UP_OPENED: "a low answer opens a follow-up",
    EventType.FOLLOW_UP_RESOLVED: "a follow-up is resolved",
    EventType.CLOSEOUT_PUBLISHED: "a project is closed out",
    EventType.HEALTH_ALERT: "an account's health falls (internal: staff channels only)",
    EventType.CONTACT_INVITED: "a client contact is invited",
}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(PortalForm):
    """Where to send, what, and in which form."""

    url = StringField("URL", validators=[DataRequired("Give the URL to send to."),
                                         Length(max=2000)],
                      description="https:// only; the address is checked before every send.")
    description = StringField("Description", validators=[Optional(), Length(max=300)],
                              description="What receives it, for whoever reads this list later.")
    kind = RadioField("Format", default=EndpointKind.JSON.value, choices=[
        SelectChoice(EndpointKind.JSON.value, "JSON, signed (for programs)"),
        SelectChoice(EndpointKind.CHAT.value,
                     "A readable message (a Slack or Teams incoming webhook)"),
    ])
    events = CheckboxesField("Events", choices=[
        SelectChoice(e.value, f"{e.value}: {hint}") for e, hint in EVENT_HINTS.items()],
        validators=[DataRequired("Choose at least one event.")])


class EditEndpointForm(EndpointForm, VersionedForm):
    """The same form on an endpoint's edit page, carrying the version it was opened on."""


class ButtonForm(PortalForm):
    """A button on an endpoint's page: only the CSRF token."""
