"""The staff form that closes a project out and hands the client over to client care."""

from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts import services as account_services
from portal.concurrency import VersionedForm

TEXT_LIMIT = 20000


class CloseoutForm(VersionedForm):
    """Summary, outcomes and lessons in Markdown, and the client-care hand-off."""

    summary = TextAreaField(
        "What we delivered (Markdown)", validators=[DataRequired(), Length(max=TEXT_LIMIT)]
    )
    outcomes = TextAreaField(
        "Outcomes against what was planned (Markdown)",
        validators=[DataRequired(), Length(max=TEXT_LIMIT)],
        description="The timeline, ETA accuracy and milestone chart are added from the project's "
                    "data: say here what the client gained and what differed from the plan.",
    )
    lessons = TextAreaField("Lessons (Markdown)", validators=[Length(max=TEXT_LIMIT)])
    care_contact_id = SelectField(
        "Client-care contact", coerce=int,
        validators=[DataRequired(message="Choose who on staff takes over the client's care.")],
    )
    care_reach = TextAreaField(
        "How to reach them", validators=[Length(max=500)],
        description="Their email and phone are shown with their name; add hours, a support "
                    "line or anything else the client should know.",
    )
    care_next_steps = TextAreaField(
        "What they will do next (Markdown)", validators=[DataRequired(), Length(max=5000)]
    )
    delivered_on = DateField(
        "Delivered on", validators=[Optional()],
        description="The day the work was delivered: the project closes on it, and promises "
                    "kept count from it. Empty means today.",
    )
    preview = SubmitField("Preview")
    publish = SubmitField("Publish")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.care_contact_id.choices = [SelectChoice(0, "— choose someone —")] + [
            SelectChoice(u.id, u.name) for u in account_services.staff_members()
        ]

    def text_for_service(self) -> dict[str, str]:
        """The Markdown and text fields as publish_closeout() and edit_closeout() take them."""
        return {
            name: getattr(self, name).data
            for name in ("summary", "outcomes", "lessons", "care_reach", "care_next_steps")
        }
