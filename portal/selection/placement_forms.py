"""Forms for interviews, placements and the admin's check-in days."""

from datetime import datetime

from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields import TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import EARLIEST_DATE, LATEST_DATE, PortalForm
from portal.selection.interviews import MAX_NOTE


def _in_range(form, field) -> None:
    """A time's date within the dates the portal counts with (date fields have the filter)."""
    value: datetime | None = field.data
    if value is not None and not EARLIEST_DATE <= value.date() <= LATEST_DATE:
        raise ValidationError(f"Give a date from {EARLIEST_DATE:%-d %b %Y} to "
                              f"{LATEST_DATE:%-d %b %Y}.")


class ProposeForm(PortalForm):
    """Up to three times, in the client's timezone (the page names it)."""

    slot_1 = DateTimeLocalField("First time", validators=[InputRequired("Give at least one "
                                                                        "time."), _in_range])
    slot_2 = DateTimeLocalField("Second time (optional)", validators=[Optional(), _in_range])
    slot_3 = DateTimeLocalField("Third time (optional)", validators=[Optional(), _in_range])
    minutes = IntegerField("Length in minutes", default=45, validators=[
        InputRequired("Give the length in minutes."),
        NumberRange(15, 240, "An interview lasts 15 to 240 minutes.")])
    where = StringField("Where (an address, or how to join)", validators=[
        Optional(), Length(max=200)])

    def times(self) -> list[datetime]:
        """The naive local times given, in order."""
        return [f.data for f in (self.slot_1, self.slot_2, self.slot_3) if f.data is not None]


class BookForm(PortalForm):
    """The client's choice among the proposed times (choices set by the view)."""

    position = RadioField("Which time suits you?", coerce=int,
                          validators=[InputRequired("Choose one of the times.")])


class OtherTimesForm(PortalForm):
    """None of the times suits the client: which would."""

    note = TextAreaField("Which days or times would suit you?", validators=[
        DataRequired("Say which days or times would suit you."), Length(max=MAX_NOTE)])


class PlaceForm(PortalForm):
    """Mark a candidate placed (the hiring manager's choices are set by the view)."""

    starts_on = DateField("Start date", validators=[InputRequired("Give the start date.")])
    hiring_manager_id = SelectField("Hiring manager (asked the check-ins)", coerce=int,
                                    validators=[InputRequired("Choose the hiring manager.")])


class LeftForm(PortalForm):
    """The placed person left early."""

    left_on = DateField("Left on", validators=[InputRequired("Give the date they left.")])


class CheckInDaysForm(PortalForm):
    """The days into a placement on which the hiring manager is asked."""

    days = StringField("Days after the start date, separated by commas", validators=[
        DataRequired("Give at least one day."), Length(max=60)])
