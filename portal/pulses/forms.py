"""The answer form (built from the pulse's own questions), report filters, follow-up notes."""

from wtforms import (
    BooleanField,
    DateField,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.services import all_organizations
from portal.concurrency import VersionedForm
from portal.forms import FieldList, PortalForm, PortalSubform
from portal.pulses.models import PulseTemplate
from portal.pulses.services import MAX_COMMENT
from portal.pulses.values import question_for

SCALE_WORDS = {
    "csat": ("Very dissatisfied", "Very satisfied"),
    "nps": ("Not at all likely", "Extremely likely"),
    "ces": ("Very difficult", "Very easy"),
    "value": ("Not at all", "Completely"),
}


class AnswerForm(PortalForm):
    """Base of every pulse's answer form; the questions are added per template."""

    contact_me = BooleanField("I would like someone to get in touch with me about this")

    def scores(self, template: PulseTemplate) -> dict[int, int | None]:
        return {q.id: self[f"q{q.id}"].data for q in template.questions}

    def comments(self, template: PulseTemplate) -> dict[int, str]:
        return {q.id: self[f"c{q.id}"].data or "" for q in template.questions}


def answer_form_for(template: PulseTemplate, value_title: str | None = None,
                    **kwargs) -> AnswerForm:
    """A form with one scale and one optional comment per question of the template, and the
    question about a firm value when the pulse asks one."""

    class PulseForm(AnswerForm):
        pass

    if value_title is not None:
        PulseForm.value_score = RadioField(
            question_for(value_title), coerce=int,
            choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
            validators=[InputRequired("Choose a score from 1 to 5.")])
        PulseForm.value_comment = TextAreaField(
            "Anything you would like to add? (optional)",
            validators=[Optional(), Length(max=MAX_COMMENT)])

    for question in template.questions:
        low, high = question.scale.bounds
        setattr(PulseForm, f"q{question.id}", RadioField(
            question.prompt, coerce=int,
            choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)],
            validators=[InputRequired(f"Choose a score from {low} to {high}.")],
        ))
        if question.invites_comment:
            setattr(PulseForm, f"c{question.id}", TextAreaField(
                "Anything you would like to add? (optional)",
                validators=[Optional(), Length(max=MAX_COMMENT)],
            ))
        else:
            setattr(PulseForm, f"c{question.id}", TextAreaField(render_kw={"hidden": True}))
    return PulseForm(**kwargs)


class ReportForm(PortalForm):
    """Which answers a report covers (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    organization_id = SelectField("Account", coerce=int, default=0)
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [SelectChoice(0, "The whole firm")] + [
            SelectChoice(o.id, o.name) for o in all_organizations()
        ]


class ResolveForm(PortalForm):
    """What was done about an unhappy answer."""

    note = TextAreaField("What did you do?", validators=[DataRequired(), Length(max=2000)])


class CloseForm(PortalForm):
    """The one-click close of a follow-up whose answer is no longer low: a CSRF token only."""


class QuestionSlotForm(PortalSubform):
    """One of a template's three question slots; a blank prompt leaves the slot empty."""

    scale = SelectField("Scale", choices=[
        SelectChoice("csat", "CSAT: satisfied, 1–5"), SelectChoice("nps", "NPS: recommend, 0–10"),
        SelectChoice("ces", "CES: easy, 1–7"),
    ])
    prompt = StringField("Question", validators=[Optional(), Length(max=300)])
    invites_comment = BooleanField("Invite a comment")


class TemplateForm(VersionedForm):
    """A pulse template: its name and one to three questions."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    questions = FieldList(FormField(QuestionSlotForm), min_entries=3, max_entries=3)

    def slots(self) -> list[tuple[str, str, bool]]:
        """The filled-in questions, in order, as (scale, prompt, invites_comment)."""
        return [(q.scale.data, q.prompt.data.strip(), q.invites_comment.data)
                for q in self.questions if (q.prompt.data or "").strip()]


class ValuesSettingsForm(PortalForm):
    """Which values periodic pulses ask about, and how often; a box per value is added by
    the view."""

    every_nth = SelectField("Ask about a value", coerce=int, choices=[
        SelectChoice(0, "Never"), SelectChoice(1, "In every periodic pulse"),
        SelectChoice(2, "In every 2nd periodic pulse"),
        SelectChoice(3, "In every 3rd periodic pulse"),
        SelectChoice(6, "In every 6th periodic pulse")])
    asked = SelectMultipleField("Values asked about, in turn", coerce=int,
                                option_widget=CheckboxInput(),
                                widget=ListWidget(prefix_label=False))
