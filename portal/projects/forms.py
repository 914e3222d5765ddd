"""Staff forms for projects, milestones and status updates."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.accounts import services as account_services
from portal.projects.models import Confidence, FunnelStage, ProjectStatus, QuestionKind

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ProjectStatus]
CONFIDENCE_CHOICES = [SelectChoice(c.value, c.value.capitalize()) for c in Confidence]


def _people_choices() -> list[tuple[int, str]]:
    return [SelectChoice(0, "— nobody yet —")] + [
        SelectChoice(u.id, u.name) for u in account_services.staff_members()
    ]


class ProjectForm(FlaskForm):
    """A new project for a client organisation."""

    organization_id = SelectField("Client", coerce=int, validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    summary = TextAreaField("Summary (Markdown)", validators=[Length(max=5000)])
    contact_id = SelectField("Contact person", coerce=int)
    update_cadence_days = IntegerField(
        "Promised update cadence (days)", default=7, validators=[NumberRange(1, 90)]
    )
    started_on = DateField("Started on", validators=[Optional()])
    eta = DateField("ETA", validators=[Optional()])
    eta_confidence = SelectField("Confidence", choices=CONFIDENCE_CHOICES, default="medium")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [
            SelectChoice(o.id, o.name) for o in account_services.all_organizations()
        ]
        self.contact_id.choices = _people_choices()


class MilestoneForm(FlaskForm):
    """A step of a project with its owner and planned date."""

    title = StringField("Milestone", validators=[DataRequired(), Length(max=160)])
    owner_id = SelectField("Owner", coerce=int)
    planned_on = DateField("Planned for", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = _people_choices()


class UpdateForm(FlaskForm):
    """A status update, which may move the ETA."""

    status = SelectField("Status", choices=STATUS_CHOICES)
    body = TextAreaField(
        "What happened, what is next (Markdown)", validators=[DataRequired(), Length(max=20000)]
    )
    eta = DateField("ETA", validators=[Optional()])
    eta_confidence = SelectField("Confidence", choices=CONFIDENCE_CHOICES)
    reason = TextAreaField(
        "Reason for a later ETA", validators=[Length(max=2000)],
        description="Required when the ETA moves later: the client reads it in the ETA history.",
    )

    def data_for_service(self) -> dict:
        """The fields as publish_update() takes them."""
        return {
            "status": ProjectStatus(self.status.data),
            "body": self.body.data,
            "eta": self.eta.data,
            "eta_confidence": Confidence(self.eta_confidence.data),
            "reason": self.reason.data,
        }


class QuestionForm(FlaskForm):
    """A client's question or concern."""

    kind = SelectField("This is a", choices=[
        SelectChoice(QuestionKind.QUESTION.value, "Question"),
        SelectChoice(QuestionKind.CONCERN.value, "Concern I want you to act on"),
    ])
    body = TextAreaField("Your message (Markdown)", validators=[DataRequired(), Length(max=10000)])


class ReplyForm(FlaskForm):
    """A reply in a question's thread."""

    body = TextAreaField("Reply (Markdown)", validators=[DataRequired(), Length(max=10000)])


class FunnelForm(FlaskForm):
    """A placement's selection funnel: candidates at each stage so far."""

    sourced = IntegerField("Sourced", validators=[Optional(), NumberRange(0, 100000)])
    screened = IntegerField("Screened", validators=[Optional(), NumberRange(0, 100000)])
    interviewed = IntegerField("Interviewed", validators=[Optional(), NumberRange(0, 100000)])
    presented = IntegerField("Presented to you", validators=[Optional(), NumberRange(0, 100000)])
    placed = IntegerField("Placed", validators=[Optional(), NumberRange(0, 100000)])
    as_of = DateField("As of", validators=[DataRequired()])

    def counts(self) -> dict[FunnelStage, int | None]:
        """The numbers entered, by stage; blank means unchanged."""
        return {stage: getattr(self, stage.value).data for stage in FunnelStage}
