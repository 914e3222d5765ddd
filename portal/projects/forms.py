"""Staff forms for projects, milestones and status updates."""

from wtforms import (
    BooleanField,
    DateField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.accounts import services as account_services
from portal.concurrency import VersionedForm
from portal.db import database_id
from portal.forms import FieldList, PortalForm, PortalSubform
from portal.project_templates import services as template_services
from portal.projects import finding
from portal.projects.models import (
    Confidence,
    FunnelStage,
    Milestone,
    ProjectStatus,
    QuestionKind,
)
from portal.projects.services import MilestoneChange

MILESTONES_CHANGED = (
    "The milestones in this form are not this project's as they are now (one may have been "
    "removed meanwhile): check them below and send the update again."
)
STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ProjectStatus]
CONFIDENCE_CHOICES = [SelectChoice(c.value, c.value.capitalize()) for c in Confidence]


def _people_choices() -> list[tuple[int, str]]:
    return [SelectChoice(0, "— nobody yet —")] + [
        SelectChoice(u.id, u.name) for u in account_services.staff_members()
    ]


class ProjectForm(PortalForm):
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
    template_id = SelectField(
        "Start from a template", coerce=int, default=0,
        description="Its milestones are dated one after another from the start (today when "
                    "no start is given), and its update cadence replaces the one below.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [
            SelectChoice(o.id, o.name) for o in account_services.all_organizations()
        ]
        self.contact_id.choices = _people_choices()
        self.template_id.choices = [SelectChoice(0, "— no template —")] + [
            SelectChoice(t.id, t.name) for t in template_services.template_names()
        ]


class EditProjectForm(VersionedForm):
    """A project's details as staff keep them true after it opened."""

    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    summary = TextAreaField("Description (Markdown)", validators=[Length(max=5000)])
    contact_id = SelectField("Contact person", coerce=int)
    update_cadence_days = IntegerField(
        "Promised update cadence (days)", validators=[DataRequired(), NumberRange(1, 90)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_id.choices = _people_choices()


class ShiftPlanForm(VersionedForm):
    """Move the ETA and every open milestone by the same number of days, with one reason."""

    days = IntegerField(
        "Move by how many days", validators=[InputRequired(message="Give a number of days.")],
        description="A minus sign moves the plan earlier, e.g. -3.",
    )
    working_days = BooleanField("Count working days only (Monday to Friday)")
    reason = TextAreaField(
        "Reason", validators=[DataRequired(message="Say why the plan moves."), Length(max=2000)],
        description="The client reads it in the ETA history, beside every date that moves.",
    )


class EditMilestoneForm(PortalForm):
    """A milestone's title, owner and place; `stamp` is the milestone as the form showed it.
    A field left out of a post keeps the milestone's value."""

    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    owner_id = SelectField("Owner", coerce=int)
    place = IntegerField("Place in the plan (1 is first)", validators=[Optional()])
    stamp = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = _people_choices()


class DeleteMilestoneForm(PortalForm):
    """The confirm button of a deletion, with the milestone as the page showed it."""

    stamp = HiddenField()


class MilestoneForm(PortalForm):
    """A step of a project with its owner and planned date."""

    title = StringField("Milestone", validators=[DataRequired(), Length(max=160)])
    owner_id = SelectField("Owner", coerce=int)
    planned_on = DateField("Planned for", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = _people_choices()


class MilestoneChangeForm(PortalSubform):
    """What changes for one open milestone with this update (no CSRF: part of UpdateForm)."""

    milestone_id = HiddenField()
    completed_on = DateField("Completed on", validators=[Optional()])
    eta = DateField("New ETA", validators=[Optional()])
    owner_id = SelectField("Owner", coerce=int)
    reason = StringField("Reason for a later ETA", validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = _people_choices()


class UpdateForm(VersionedForm):
    """A status update, which may move the ETA and change milestones; or a draft of one."""

    status = SelectField("Status", choices=STATUS_CHOICES)
    body = TextAreaField(
        "What happened, what is next (Markdown)", validators=[Length(max=20000)],
        description="The client reads this. Markdown: **bold**, *italic*, lists, links.",
    )
    eta = DateField("ETA", validators=[Optional()])
    eta_confidence = SelectField("Confidence", choices=CONFIDENCE_CHOICES)
    reason = TextAreaField(
        "Reason for a later ETA", validators=[Length(max=2000)],
        description="Required when the ETA moves later: the client reads it in the ETA history.",
    )
    milestones = FieldList(FormField(MilestoneChangeForm))
    ask_feedback = BooleanField("Ask the client for feedback on this update")
    internal_note = TextAreaField(
        "Internal note (staff only)", validators=[Length(max=5000)],
        description="Never shown to the client: not on a page, in an email or in a PDF.",
    )

    def data_for_service(self) -> dict:
        """The fields as publish_update() and save_draft() take them."""
        return {
            "status": ProjectStatus(self.status.data),
            "body": self.body.data or "",
            "eta": self.eta.data,
            "eta_confidence": Confidence(self.eta_confidence.data),
            "reason": self.reason.data,
            "ask_feedback": self.ask_feedback.data,
            "internal_note": self.internal_note.data,
        }

    def keep_known_milestones(self, milestones: list[Milestone]) -> bool:
        """Keep only the entries that name one of the project's milestones; when an entry
        named anything else (altered, or since removed): False, with the reason on the form
        and an entry for each open milestone the form lacks, for staff to check."""
        known = {m.id for m in milestones}
        kept = [entry for entry in self.milestones.entries
                if _milestone_id(entry.milestone_id.data) in known]
        if len(kept) == len(self.milestones.entries):
            return True
        self.milestones.entries = kept
        shown = {int(entry.milestone_id.data) for entry in kept}
        for milestone in milestones:
            if not milestone.is_done and milestone.id not in shown:
                self.milestones.append_entry({"milestone_id": milestone.id,
                                              "owner_id": milestone.owner_id or 0})
        self.form_errors.append(MILESTONES_CHANGED)
        return False

    def milestone_changes(self) -> list[MilestoneChange]:
        """Per open milestone: the changes staff entered, as publish_update() takes them."""
        return [
            MilestoneChange(milestone_id=int(entry.milestone_id.data),
                            completed_on=entry.completed_on.data, eta=entry.eta.data,
                            reason=entry.reason.data, owner_id=entry.owner_id.data)
            for entry in self.milestones
        ]

    def milestone_entry(self, milestone_id: int | None):
        """The entry of one milestone, to show a refusal about it; None when there is none."""
        return next((entry for entry in self.milestones
                     if _milestone_id(entry.milestone_id.data) == milestone_id), None)


def _milestone_id(text: str | None) -> int | None:
    try:
        return database_id(text or "")
    except ValueError:
        return None


class EditUpdateForm(VersionedForm):
    """Correcting a published update: the earlier text is kept as a revision."""

    body = TextAreaField(
        "What happened, what is next (Markdown)", validators=[DataRequired(), Length(max=20000)]
    )
    internal_note = TextAreaField("Internal note (staff only)", validators=[Length(max=5000)])


class QuestionForm(PortalForm):
    """A client's question or concern."""

    kind = SelectField("This is a", choices=[
        SelectChoice(QuestionKind.QUESTION.value, "Question"),
        SelectChoice(QuestionKind.CONCERN.value, "Concern I want you to act on"),
    ])
    body = TextAreaField(
        "Your message", validators=[DataRequired(), Length(max=10000)],
        description="Your account team is emailed and answers here.",
    )


class ReplyForm(PortalForm):
    """A reply in a question's thread."""

    body = TextAreaField("Your reply", validators=[DataRequired(), Length(max=10000)])


class FunnelForm(PortalForm):
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


class AccountSearchForm(PortalForm):
    """Which accounts a staff list shows, and in what order (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    mine = BooleanField("Only my accounts")
    q = StringField("Search accounts, projects, contacts",
                    validators=[Length(max=finding.MAX_QUERY,
                                       message=f"Search with at most {finding.MAX_QUERY} "
                                               "characters; the list below is not searched.")])
    sort = SelectField("Sort by", default="", validators=[Optional()], choices=[
        SelectChoice("", "Account name"), SelectChoice("next_update", "Next update due")])

    def search(self) -> finding.AccountSearch:
        """What was asked for; a field with an error is left out (its message says so)."""
        return finding.AccountSearch(
            mine=bool(self.mine.data) and not self.mine.errors,
            query="" if self.q.errors else (self.q.data or ""),
            sort="" if self.sort.errors else (self.sort.data or ""))
