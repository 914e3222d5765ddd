"""The unsubscribe confirmation: a button, so a CSRF-only form."""

from portal.forms import PortalForm


class UnsubscribeForm(PortalForm):
    """Confirms stopping emails; the signed token in the URL says whose."""
