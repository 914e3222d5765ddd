"""Sign-in forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.accounts.services import timezone_names
from portal.auth.models import UpdateEmails


def strip(value: str | None) -> str | None:
    """Drop the spaces people paste around an email address."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")


class AccountForm(FlaskForm):
    """The signed-in user's own settings."""

    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    phone = StringField("Phone", filters=[strip], validators=[Optional(), Length(max=40)])
    timezone = SelectField("Show dates and times in")
    update_emails = RadioField(
        "Email me about status updates",
        choices=[SelectChoice(choice.value, choice.label) for choice in UpdateEmails],
    )

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        own = SelectChoice("", f"My organisation's timezone ({default_zone})")
        self.timezone.choices = [own] + [SelectChoice(zone) for zone in timezone_names()]
