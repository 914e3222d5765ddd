"""The answer form (built from the pulse's own questions), report filters, follow-up notes,
and the admin's reminder days and quiet hours."""

from wtforms import (
    BooleanField,
    DateField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
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
    """What was done about an unhappy answer: in words for the client, and an internal note."""

    summary = TextAreaField("What we did (the client reads this)",
                            validators=[DataRequired("Say what you did, in words for the client."),
                                        Length(max=2000)])
    note = TextAreaField("Internal note (never shown to the client)",
                         validators=[Optional(), Length(max=2000)])


class FixForm(PortalForm):
    """The client's "Did this fix it?": a button for each answer, pressed on the page."""

    answer = RadioField("Did this fix it?", choices=[
        SelectChoice("fixed", "Yes, this fixed it"), SelectChoice("not_yet", "Not yet")],
        validators=[InputRequired("Choose yes or not yet.")])


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


HOURS = [SelectChoice(hour, f"{hour:02d}:00") for hour in range(24)]


DAYS_MESSAGE = "Give a whole number of days from 1 to 60."


def _day(label: str, description: str) -> IntegerField:
    return IntegerField(label, description=description, validators=[
        InputRequired(message="Give a whole number of days."),
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
