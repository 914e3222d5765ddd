"""Health forms: list filters, the weekly review, acknowledging an alert, admin settings."""

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.accounts.services import staff_members
from portal.concurrency import VersionedForm
from portal.forms import PortalForm
from portal.health.models import Band, Metric, Mood
from portal.health.scoring import MAX_ACTIVE, MIN_ACTIVE, HealthConfig
from portal.projects.forms import AccountSearchForm


class FilterForm(AccountSearchForm):
    """Which accounts the list shows, and in what order (a GET form: no CSRF token)."""

    sort = SelectField("Sort by", default="", validators=[Optional()], choices=[
        SelectChoice("", "Risk"), SelectChoice("next_update", "Next update due")])
    owner_id = SelectField("Owner", coerce=int, default=0, validators=[Optional()])
    band = SelectField("Band", default="", validators=[Optional()], choices=[
        SelectChoice("", "Every band")] + [SelectChoice(b.value, b.value.capitalize())
                                           for b in Band])
    archived = BooleanField("Show archived accounts")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = [SelectChoice(0, "Every owner")] + [
            SelectChoice(u.id, u.name) for u in staff_members()]

    def band_value(self) -> Band | None:
        return Band(self.band.data) if self.band.data else None


class ReviewForm(PortalForm):
    """This week's review of an account."""

    mood = SelectField("How is it going?", validators=[DataRequired()],
                       choices=[SelectChoice(m.value, m.label) for m in Mood])
    note = TextAreaField("Note", validators=[Length(max=5000)])
    next_action = StringField("Next action", validators=[DataRequired(), Length(max=300)])
    next_action_on = DateField("By when", validators=[InputRequired("Give the date.")])

    def data_for_service(self) -> dict:
        """The fields as record_review() takes them."""
        return {"mood": Mood(self.mood.data), "note": self.note.data or "",
                "next_action": self.next_action.data, "next_action_on": self.next_action_on.data}


class AcknowledgeForm(PortalForm):
    """The button that takes an alert off staff home."""


class RescoreForm(PortalForm):
    """The button that computes this week's snapshot again, now."""


class SettingsForm(VersionedForm):
    """Weights, which metrics count (3 to 7) and the band thresholds; fields per metric are
    added below as active_<metric> and weight_<metric>."""

    green_from = IntegerField("Green from", validators=[InputRequired(), NumberRange(2, 100)])
    amber_from = IntegerField("Amber from (below is red)",
                              validators=[InputRequired(), NumberRange(1, 99)])
    response_target_days = IntegerField(
        "Responsiveness target (working days to a first answer)",
        validators=[InputRequired(), NumberRange(1, 10)])
    min_coverage = IntegerField(
        "A score needs metrics with data carrying at least this % of the weight",
        validators=[InputRequired(), NumberRange(1, 100)])

    @classmethod
    def from_config(cls, config: HealthConfig) -> "SettingsForm":
        data = {"green_from": config.green_from, "amber_from": config.amber_from,
                "response_target_days": config.response_target_days,
                "min_coverage": config.min_coverage}
        for metric in Metric:
            data[f"active_{metric.value}"] = metric in config.active
            data[f"weight_{metric.value}"] = config.weights[metric]
        return cls(data=data)

    def active(self) -> set[Metric]:
        return {m for m in Metric if self[f"active_{m.value}"].data}

    def weights(self) -> dict[Metric, int]:
        return {m: self[f"weight_{m.value}"].data for m in Metric}

    def metric_fields(self) -> list[tuple[Metric, object, object]]:
        return [(m, self[f"active_{m.value}"], self[f"weight_{m.value}"]) for m in Metric]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        count = len(self.active())
        if not MIN_ACTIVE <= count <= MAX_ACTIVE:
            self.form_errors.append(f"Choose between {MIN_ACTIVE} and {MAX_ACTIVE} metrics; "
                                    f"{count} {'was' if count == 1 else 'were'} chosen.")
            ok = False
        if ok and self.amber_from.data >= self.green_from.data:
            self.amber_from.errors.append("Amber must start below green.")
            ok = False
        return ok


for _metric in Metric:
    setattr(SettingsForm, f"active_{_metric.value}", BooleanField(f"Count {_metric.label}"))
    setattr(SettingsForm, f"weight_{_metric.value}", IntegerField(
        f"{_metric.label} weight", validators=[InputRequired(), NumberRange(1, 100)]))
