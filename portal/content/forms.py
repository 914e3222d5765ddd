"""Admin forms for firm settings, core values and process steps."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    ColorField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from portal.concurrency import VersionedForm
from portal.content.client_figures import MIN_COUNT_RANGE, SWITCHES
from portal.content.services import MAX_LOGO_BYTES
from portal.forms import PortalForm, TimezoneField


class SettingsForm(PortalForm):
    """The firm's name, brand colour and logo, shown on every page."""

    firm_name = StringField("Firm name", validators=[DataRequired(), Length(max=120)])
    brand_color = ColorField(
        "Brand colour",
        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$",
                                           message="Give a colour as # and six hex digits.")],
        description="The header, buttons, links and focus rings use it; text on it turns dark "
                    "or light to stay readable (WCAG AA), and you are told if it cannot.",
    )
    logo = FileField(
        "Logo",
        description=f"PNG, JPEG, GIF or WebP, at most {MAX_LOGO_BYTES // 1024} KB. "
                    "SVG is not accepted. Leave empty to keep the current logo.",
    )
    remove_logo = BooleanField("Remove the current logo")

    def logo_bytes(self) -> bytes | None:
        """The uploaded file's bytes, or None when no file was chosen."""
        upload = self.logo.data
        if upload is None or not getattr(upload, "filename", None):
            return None
        return upload.read()


class ValueForm(VersionedForm):
    """One core value and an example of how the firm lives it."""

    title = StringField("Value", validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(
        "What it means (Markdown)", validators=[DataRequired(), Length(max=5000)]
    )
    example = TextAreaField(
        "How we live it (Markdown)", validators=[DataRequired(), Length(max=5000)],
        description="A concrete example a client would recognise from working with you.",
    )
    preview = SubmitField("Preview")
    save = SubmitField("Save")

    def data_for_service(self) -> dict[str, str]:
        """The fields as add_item() and update_item() take them."""
        return {"title": self.title.data, "body": self.body.data, "example": self.example.data}


class StepForm(VersionedForm):
    """One step of the recruiting and selection process."""

    title = StringField("Step", validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(
        "What happens and why (Markdown)", validators=[DataRequired(), Length(max=5000)]
    )
    preview = SubmitField("Preview")
    save = SubmitField("Save")

    def data_for_service(self) -> dict[str, str]:
        """The fields as add_item() and update_item() take them."""
        return {"title": self.title.data, "body": self.body.data}


class MoveForm(PortalForm):
    """A button that moves an item one place up or down its list."""

    direction = RadioField(
        choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")],
        validators=[DataRequired()],
    )


class StyleSampleForm(VersionedForm):
    """Every kind of field the portal uses, for the living style page; never submitted."""

    name = StringField("A text field", description="A hint under the field says what to type.")
    status = SelectField("A select", choices=[
        SelectChoice("on_track", "On track"), SelectChoice("at_risk", "At risk")])
    body = TextAreaField("A text area")
    emails = RadioField("Radios in a group", default="each", choices=[
        SelectChoice("each", "An email for each update"), SelectChoice("weekly", "A weekly digest"),
        SelectChoice("none", "None")])
    remember = BooleanField("A checkbox beside its label")
    colour = ColorField("A colour", default="#1f4e79")
    timezone = TimezoneField("A timezone picker")
    broken = StringField("A field with an error")


class ClientFiguresForm(VersionedForm):
    """Which track-record figures clients see, and the fewest answers or deliveries behind one."""

    min_count = IntegerField(
        "Fewest answers or deliveries behind a figure clients see",
        validators=[InputRequired(message="Give a whole number."),
                    NumberRange(*MIN_COUNT_RANGE,
                                message="Give a whole number from %(min)s to %(max)s.")],
        description="Below it, a client's page says “too few to show (3 so far)” instead of a "
                    "percentage, an NPS or a CES mean; the average times between updates and "
                    "to a first answer show from the first one.",
    )
    show_promises = BooleanField(f"Show {SWITCHES['show_promises']}")
    show_update_rhythm = BooleanField(f"Show {SWITCHES['show_update_rhythm']}")
    show_first_answer = BooleanField(f"Show {SWITCHES['show_first_answer']}")
    show_closeout_pulses = BooleanField(f"Show {SWITCHES['show_closeout_pulses']}")

    def data_for_service(self) -> dict:
        """The fields as update_client_figures() takes them."""
        return {"min_count": self.min_count.data,
                **{name: getattr(self, name).data for name in SWITCHES}}
