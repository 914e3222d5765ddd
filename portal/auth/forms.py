"""Sign-in forms."""

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.auth.models import UpdateEmails
from portal.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.db import timezone_names
from portal.forms import PortalForm, TimezoneField


def strip(value: str | None) -> str | None:
    """Drop the spaces people paste around an email address."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(PortalForm):
    """Email and password."""

    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")


class AccountForm(PortalForm):
    """The signed-in user's own settings."""

    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    phone = StringField("Phone", filters=[strip], validators=[Optional(), Length(max=40)])
    timezone = TimezoneField("Show dates and times in")
    update_emails = RadioField(
        "Email me about status updates",
        choices=[SelectChoice(choice.value, choice.label) for choice in UpdateEmails],
    )

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        own = SelectChoice("", f"My organisation's timezone ({default_zone})")
        self.timezone.set_zones(timezone_names(), first=own)


class CodeForm(PortalForm):
    """The second step of signing in: a code from the app or a recovery code."""

    code = StringField(
        "Code", filters=[strip], validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
        description="The 6-digit code your authenticator app shows, or one of your recovery codes.",
    )


class ConfirmIdentityForm(PortalForm):
    """Re-enter the password (and a code, with two-factor on) before a sensitive change."""

    password = PasswordField(
        "Your password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField("Code from your authenticator app", filters=[strip],
                       validators=[Optional(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code"})


class SecuritySettingsForm(PortalForm):
    """The firm's security choices."""

    require_staff_two_factor = BooleanField("Require two-factor sign-in for all staff and admins")
    allow_client_email_sign_in = BooleanField("Allow email sign-in links for clients")


class DisableTwoFactorForm(CodeForm):
    """Turning two-factor off takes a current code, so a borrowed session cannot do it: the
    sign-in step's field, not focused first on a page about something else."""

    code = StringField(
        "Code", filters=[strip], validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code"},
        description="A code from your authenticator app, or one of your recovery codes.",
    )


class ButtonForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class EmailRequestForm(PortalForm):
    """An email address to send a reset or sign-in link to."""

    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class NewPasswordForm(PortalForm):
    """A new password, typed twice (invitations and password reset)."""

    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
        description=f"At least {MIN_PASSWORD_LENGTH} characters; a passphrase of several words"
        " works well. Any characters, spaces included; common passwords are turned down.",
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordChangeForm(NewPasswordForm):
    """The signed-in user's own new password, confirmed by the current one."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class EmailChangeForm(PortalForm):
    """A new email address for one's own account, confirmed by the current password."""

    new_email = EmailField(
        "New email address", filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
        description="We send a link to it; the change happens only when you open that link.",
    )
    password = PasswordField(
        "Your password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
