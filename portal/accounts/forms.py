"""Forms for organisations and invitations and, for admins, users and roles."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.accounts import services
from portal.accounts.photos import MAX_PHOTO_BYTES
from portal.auth.models import Role
from portal.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.concurrency import VersionedForm
from portal.db import timezone_names
from portal.forms import PortalForm, TimezoneField


def _staff_choices() -> list[tuple[int, str]]:
    return [SelectChoice(0, "— nobody yet —")] + [
        SelectChoice(u.id, u.name) for u in services.staff_members()
    ]


class OrganizationForm(PortalForm):
    """A new client organisation."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    account_owner_id = SelectField("Account owner", coerce=int)
    timezone = TimezoneField("Timezone", default="UTC")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_owner_id.choices = _staff_choices()
        self.timezone.set_zones(timezone_names())


class EditOrganizationForm(VersionedForm):
    """An account's details as staff keep them true."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    account_owner_id = SelectField("Account owner", coerce=int)
    care_owner_id = SelectField(
        "Client-care owner", coerce=int,
        description="Who on staff looks after the client between projects.")
    timezone = TimezoneField("Timezone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_owner_id.choices = _staff_choices()
        self.care_owner_id.choices = _staff_choices()
        self.timezone.set_zones(timezone_names())


class UserForm(PortalForm):
    """A new user: staff and admins get a first password to pass on; clients get an emailed
    invitation to choose their own, so nobody at the firm ever knows it."""

    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    organization_id = SelectField("Organisation (clients only)", coerce=int)
    job_title = StringField("Job title", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    password = PasswordField(
        "First password (staff and admins only)",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; they can change it later. "
        "Leave it empty for a client: they get an email invitation to choose their own.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [SelectChoice(0, "— none (staff) —")] + [
            SelectChoice(o.id, o.name) for o in services.all_organizations()
        ]

    def validate_organization_id(self, field) -> None:
        """Clients belong to one organisation; staff and admins to none."""
        if self.role.data == Role.CLIENT and not field.data:
            raise ValidationError("Choose the client's organisation.")
        if self.role.data != Role.CLIENT and field.data:
            raise ValidationError("Staff and admins belong to no client organisation.")

    def validate(self, extra_validators=None) -> bool:
        """Clients choose their own password from an invitation; staff need a first one.
        (Checked here: Optional() ends the field's own validators when it is empty.)"""
        valid = super().validate(extra_validators)
        if self.role.data == Role.CLIENT and self.password.data:
            self.password.errors.append("Clients choose their own password: leave this empty "
                                        "and they get an email invitation.")
            return False
        if self.role.data != Role.CLIENT and not self.password.data:
            self.password.errors.append("Give staff and admins a first password.")
            return False
        return valid


class RoleForm(PortalForm):
    """Move a member of staff between staff and admin."""

    role = SelectField("Role", choices=[
        SelectChoice(Role.STAFF.value, "Staff"), SelectChoice(Role.ADMIN.value, "Admin"),
    ])


class InvitationForm(PortalForm):
    """People of a client organisation to invite: pasted addresses, with names if known."""

    people = TextAreaField(
        "Email addresses",
        validators=[DataRequired("Paste at least one email address."), Length(max=100_000)],
        render_kw={"rows": 8, "autocomplete": "off", "spellcheck": "false"},
        description="One per line or separated by commas, each an address or a name and an "
                    "address: Ann Lee <ann@example.com>. Up to 1,000 at once.",
    )


class ProfileForm(VersionedForm):
    """What clients see of a member of staff beside "who to call"."""

    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    photo = FileField(
        "Photo", render_kw={"accept": "image/png,image/jpeg"},
        description=f"PNG or JPEG, at most {MAX_PHOTO_BYTES // 1024 // 1024} MB; it is cropped "
                    "square and made small. Leave empty to keep the current one.",
    )
    remove_photo = BooleanField("Remove the photo (clients then see initials)")

    def photo_bytes(self) -> bytes | None:
        """The uploaded file's bytes, or None when no file was chosen."""
        upload = self.photo.data
        if upload is None or not getattr(upload, "filename", None):
            return None
        return upload.read(MAX_PHOTO_BYTES + 1)


class EraseForm(PortalForm):
    """The organisation's name, typed out: erasing its client data cannot be undone."""

    typed_name = StringField("Type the organisation's name to confirm",
                             validators=[Length(max=200)],
                             render_kw={"autocomplete": "off", "spellcheck": "false"})


class UserSearchForm(PortalForm):
    """Which users the admin list shows: a name or email text and a role (a GET form: no CSRF
    token)."""

    class Meta:
        csrf = False

    q = StringField("Search names and emails",
                    validators=[Length(max=services.MAX_USER_QUERY,
                                       message=f"Search with at most {services.MAX_USER_QUERY} "
                                               "characters; the list below is not searched.")])
    role = SelectField("Role", default="", validators=[Optional()], choices=[
        SelectChoice("", "Every role"), SelectChoice(Role.CLIENT.value, "Clients"),
        SelectChoice(Role.STAFF.value, "Staff"), SelectChoice(Role.ADMIN.value, "Admins")])

    def search(self) -> dict:
        """The service's keyword arguments; a field with an error is left out (its message
        says so)."""
        return {"query": "" if self.q.errors else (self.q.data or ""),
                "role": Role(self.role.data) if self.role.data and not self.role.errors else None}
