"""Sign-in forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


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
