"""The admin's project template form: its fields and a row per milestone."""

from wtforms import FormField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.accounts import services as account_services
from portal.concurrency import VersionedForm
from portal.forms import FieldList, PortalSubform
from portal.project_templates.models import MAX_DURATION_DAYS, MAX_MILESTONES, ProjectTemplate
from portal.project_templates.services import MilestonePlan

BLANK_ROWS = 3  # empty rows under the milestones, to add more in one save
UNITS = [SelectChoice("days", "days"), SelectChoice("working", "working days")]


class TemplateMilestoneForm(PortalSubform):
    """One milestone row; a row without a title is left out (that is how one is removed)."""

    title = StringField("Milestone", validators=[Length(max=160)])
    duration_days = IntegerField("Takes", validators=[
        Optional(), NumberRange(1, MAX_DURATION_DAYS,
                                f"Give a number of days from 1 to {MAX_DURATION_DAYS}.")])
    unit = SelectField("Counted in", choices=UNITS, default="days")
    owner_role = StringField("Owner's role", validators=[Length(max=120)],
                             description="Matched to a staff member's job title.")
    owner_id = SelectField("Or a named owner", coerce=int, default=0)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks; and a milestone needs to say how long it takes."""
        valid = super().validate(extra_validators)
        if (self.title.data or "").strip() and self.duration_days.data is None \
                and not self.duration_days.errors:
            self.duration_days.errors = ["Say how many days this milestone takes."]
            valid = False
        return valid


class TemplateForm(VersionedForm):
    """A project template: name, cadence and milestones in order."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("What it is for", validators=[Length(max=2000)])
    update_cadence_days = IntegerField(
        "Promised update cadence (days)", default=7, validators=[NumberRange(1, 90)])
    milestones = FieldList(FormField(TemplateMilestoneForm))
    save = SubmitField("Save template")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owners = [SelectChoice(0, "— by role —")] + [
            SelectChoice(u.id, u.name) for u in account_services.staff_members()]
        for entry in self.milestones:
            entry.owner_id.choices = self._owners

    def fill(self, template: ProjectTemplate | None = None,
             plans: list[MilestonePlan] = ()) -> None:
        """On first view: the template's milestones (or the given plans), then blank rows."""
        if self.is_submitted():
            return
        rows = [_row(m) for m in (template.milestones if template else plans)]
        rows += [{"unit": "days", "owner_id": 0}] * BLANK_ROWS
        self.milestones.entries = []
        self.milestones.last_index = -1
        for row in rows:
            self.milestones.append_entry(row).owner_id.choices = self._owners

    def validate_milestones(self, field) -> None:
        """Between one milestone and MAX_MILESTONES."""
        count = len(self.plans())
        if count == 0:
            raise ValidationError("Give the template at least one milestone.")
        if count > MAX_MILESTONES:
            raise ValidationError(f"A template has at most {MAX_MILESTONES} milestones; "
                                  f"this one has {count}. Nothing was saved.")

    def plans(self) -> list[MilestonePlan]:
        """The rows with a title, in order, as save_template() takes them."""
        return [
            MilestonePlan(title=entry.title.data.strip(),
                          duration_days=entry.duration_days.data or 1,
                          working_days=entry.unit.data == "working",
                          owner_role=(entry.owner_role.data or "").strip(),
                          owner_id=entry.owner_id.data or None)
            for entry in self.milestones if (entry.title.data or "").strip()]


def _row(milestone) -> dict:
    return {"title": milestone.title, "duration_days": milestone.duration_days,
            "unit": "working" if milestone.working_days else "days",
            "owner_role": milestone.owner_role, "owner_id": milestone.owner_id or 0}
