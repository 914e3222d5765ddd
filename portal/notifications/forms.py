"""The unsubscribe confirmation (a CSRF-only form) and the admin's reminder and quiet-hours
settings."""

from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation

from portal.concurrency import VersionedForm
from portal.forms import PortalForm

HOURS = [SelectChoice(hour, f"{hour:02d}:00") for hour in range(24)]


class UnsubscribeForm(PortalForm):
    """Confirms stopping emails; the signed token in the URL says whose."""


DAYS_MESSAGE = "Give a whole number of days from 1 to 60."


def _short(form: PortalForm, field: IntegerField) -> None:
    """A number of many digits is refused before it is compared (a float cannot hold it)."""
    if field.raw_data and len(str(field.raw_data[0]).strip()) > 3:
        raise StopValidation(DAYS_MESSAGE)


def _day(label: str, description: str) -> IntegerField:
    return IntegerField(label, description=description, validators=[
        InputRequired(message="Give a whole number of days."), _short,
        NumberRange(1, 60, message=DAYS_MESSAGE)])


class AskSettingsForm(VersionedForm):
    """When unanswered pulses are reminded, and the quiet hours of client email."""

    first_reminder_day = _day("First reminder, days after the pulse",
                              "Only to people who have not answered.")
    second_reminder_day = _day("Second and last reminder, days after the pulse",
                               "Never after the pulse can no longer be answered.")
    quiet_start = SelectField("Quiet hours begin", choices=HOURS, coerce=int,
                              description="Local time of each client (their own timezone, "
                                          "else their organisation's).")
    quiet_end = SelectField("Quiet hours end", choices=HOURS, coerce=int,
                            description="Held emails go out then.")
    quiet_weekends = BooleanField("Saturdays and Sundays are quiet too")

    def data_for_service(self) -> dict:
        """The fields as update_ask_rules() takes them."""
        return {name: getattr(self, name).data for name in (
            "first_reminder_day", "second_reminder_day", "quiet_start", "quiet_end",
            "quiet_weekends")}
