"""The touchpoint form, the timeline's filters and the firm's contact rhythm."""

from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.touchpoints.models import MAX_NOTE, MAX_PEOPLE, MAX_SUMMARY, TouchpointKind
from portal.touchpoints.services import staff_choices
from portal.touchpoints.timeline import KINDS


class TouchpointForm(PortalForm):
    """A call, meeting or site visit: when, who, an internal note, what the client sees."""

    kind = RadioField("Kind", choices=[SelectChoice(k.value, k.label) for k in TouchpointKind],
                      validators=[InputRequired("Choose a call, a meeting or a site visit.")])
    occurred_on = DateField("Date", validators=[InputRequired("Give the day it happened.")])
    staff_id = SelectField("Who from the firm", coerce=int)
    client_people = StringField("Who from the client", validators=[
        DataRequired("Say who from the client took part."), Length(max=MAX_PEOPLE)])
    note = TextAreaField("Internal note", description="Staff only: the client never sees it.",
                         validators=[Optional(), Length(max=MAX_NOTE)])
    client_summary = TextAreaField(
        "Summary for the client (optional)",
        description="Shown to the client's people under “Recent contact” on their dashboard.",
        validators=[Optional(), Length(max=MAX_SUMMARY)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_id.choices = [SelectChoice(u.id, u.name) for u in staff_choices()]

    def data_for_service(self) -> dict:
        return {"kind": TouchpointKind(self.kind.data), "occurred_on": self.occurred_on.data,
                "client_people": self.client_people.data, "note": self.note.data or "",
                "client_summary": self.client_summary.data}


class TimelineFilterForm(PortalForm):
    """Which kinds of entry the timeline shows (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField("Show", choices=[SelectChoice("", "Everything")] + [
        SelectChoice(k, v.label) for k, v in KINDS.items()], validators=[Optional()])

    def kinds(self) -> list[str]:
        """The kind asked for, if it is one; none means every kind."""
        return [self.kind.data] if self.kind.data in KINDS else []


class ContactRhythmForm(PortalForm):
    """How often an account's owner should be in touch."""

    contact_days = IntegerField(
        "Remind an account's owner after this many days without a touchpoint",
        description="Also the target of the Contact recency health metric: within it scores "
                    "100, four times it 0.",
        validators=[InputRequired(), NumberRange(1, 365)])
