"""The admin's filter over the audit log (a GET form: it changes nothing, so no CSRF token)."""

from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.audit.services import AuditFilter, client_organizations, known_actions
from portal.forms import PortalForm


class AuditFilterForm(PortalForm):
    """Narrow the log by action, person, client and dates."""

    class Meta:
        csrf = False

    action = SelectField("Action")
    actor_email = StringField("Person (email)", validators=[Optional(), Length(max=254)])
    organization_id = SelectField("Client", coerce=int, default=0)
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", "Any action")] + [
            SelectChoice(action) for action in known_actions()
        ]
        self.organization_id.choices = [SelectChoice(0, "Any client")] + [
            SelectChoice(o.id, o.name) for o in client_organizations()
        ]

    def criteria(self) -> AuditFilter:
        """The filter as the service takes it."""
        return AuditFilter(
            action=self.action.data or None, actor_email=self.actor_email.data or None,
            organization_id=self.organization_id.data or None,
            since=self.since.data, until=self.until.data,
        )
