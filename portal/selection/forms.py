"""Forms for candidates, shortlists, the client's decisions and the selection settings."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts import services as account_services
from portal.content.models import ProcessStep
from portal.forms import PortalForm
from portal.selection.models import MAX_CV_BYTES, CandidateStatus, DecisionKind

MAX_MARKDOWN = 10_000
PROFILE_FIELDS = ("display_name", "anonymous", "headline", "location", "availability",
                  "rate_band", "skills", "summary_md", "why_chosen_md", "sourced_on")
CONFIRM_WORD = "ERASE"


class CandidateForm(PortalForm):
    """A candidate's profile as the client will see it, and a CV."""

    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                               description="Shown to the client unless presented anonymously.")
    anonymous = BooleanField("Present anonymously (the client sees “Candidate A”)")
    headline = StringField("Headline", validators=[Length(max=160)],
                           description="For example: Senior data engineer, 9 years in fintech.")
    location = StringField("Location", validators=[Length(max=120)])
    availability = StringField("Availability", validators=[Length(max=120)],
                               description="For example: four weeks' notice.")
    rate_band = StringField("Rate or salary band", validators=[Length(max=120)])
    skills = StringField("Skills", validators=[Length(max=500)],
                         description="Separated by commas.")
    summary_md = TextAreaField("Summary (Markdown)", validators=[Length(max=MAX_MARKDOWN)])
    why_chosen_md = TextAreaField("Why we chose them (Markdown)",
                                  validators=[Length(max=MAX_MARKDOWN)])
    sourced_on = DateField("Sourced on", validators=[DataRequired()])
    cv = FileField("CV", description=f"PDF only, at most {MAX_CV_BYTES // (1024 * 1024)} MB. "
                                     "Always downloaded, never opened in the browser.")
    remove_cv = BooleanField("Remove the current CV")

    def profile(self) -> dict:
        """The profile fields for the service, trimmed."""
        values = {name: self[name].data for name in PROFILE_FIELDS}
        return {name: value.strip() if isinstance(value, str) else value
                for name, value in values.items()}

    def cv_upload(self) -> tuple[bytes, str] | None:
        """The uploaded file's bytes (at most one byte over the limit) and name, or None."""
        upload = self.cv.data
        if upload is None or not getattr(upload, "filename", None):
            return None
        return upload.read(MAX_CV_BYTES + 1), upload.filename


class ScreeningStepForm(PortalForm):
    """A published process step the candidate passed, when, and who ran it."""

    process_step_id = SelectField("Step of our process", coerce=int,
                                  validators=[DataRequired(message="Choose a step.")])
    passed_on = DateField("Passed on", validators=[DataRequired()])
    run_by_id = SelectField("Run by", coerce=int)

    def __init__(self, *args, steps: list[ProcessStep], **kwargs):
        super().__init__(*args, **kwargs)
        self.process_step_id.choices = [SelectChoice(0, "— choose a step —")] + [
            SelectChoice(step.id, step.title) for step in steps]
        self.run_by_id.choices = [SelectChoice(0, "— nobody named —")] + [
            SelectChoice(u.id, u.name) for u in account_services.staff_members()]


STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in CandidateStatus
                  if s not in (CandidateStatus.ERASED, CandidateStatus.PRESENTED)]


class MoveForm(PortalForm):
    """Move a candidate on (interviewing, offered, placed) or withdraw them."""

    status = SelectField("Move to", choices=STATUS_CHOICES)


class ShortlistForm(PortalForm):
    """The candidates to present at once."""

    candidate_ids = SelectMultipleField(
        "Candidates to present", coerce=int, option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired(message="Choose at least one candidate to present.")])


class DecisionForm(PortalForm):
    """The client's decision on one candidate."""

    kind = SelectField("Your decision", choices=[SelectChoice(k.value, k.label)
                                                 for k in DecisionKind])
    reason_id = SelectField("Reason (for “not a fit”)", coerce=int, default=0)
    note = TextAreaField("Note or question (optional for a decision, needed for a question)",
                         validators=[Length(max=2000)])

    def __init__(self, *args, reasons: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_id.choices = [SelectChoice(0, "— choose a reason —")] + [
            SelectChoice(r.id, r.label) for r in reasons]


class ActForm(PortalForm):
    """Staff acted on a client's decision (a button)."""


class SettingsForm(PortalForm):
    """How long presented candidates show to the client, and how long they are kept."""

    expiry_days = IntegerField(
        "Days a presented candidate shows to the client", validators=[
            InputRequired(), NumberRange(1, 365)],
        description="After this, the profile and CV are hidden from the client "
                    "(“expired, ask us to re-present”). Applies to shortlists presented later.")
    retention_days = IntegerField(
        "Days candidates are kept after their project closes", validators=[
            InputRequired(), NumberRange(30, 3650)],
        description="Then a nightly job erases them, keeping anonymous counts.")


class ReasonForm(PortalForm):
    """A reason clients may give for “not a fit”."""

    label = StringField("New reason", validators=[DataRequired(), Length(max=80)])


class RetireForm(PortalForm):
    """Take a reason off the list (a button)."""


class EraseForm(PortalForm):
    """Erasing a candidate needs the word typed, so it is never one stray click."""

    confirm = StringField(f"Type {CONFIRM_WORD} to confirm", validators=[
        DataRequired(message=f"Type {CONFIRM_WORD} to confirm."), Length(max=20)])

    def validate_confirm(self, field) -> None:
        if (field.data or "").strip() != CONFIRM_WORD:
            raise ValidationError(f"Type {CONFIRM_WORD} (in capitals) to erase the candidate.")
