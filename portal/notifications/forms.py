"""The unsubscribe confirmation: a button, so a CSRF-only form."""

from flask_wtf import FlaskForm


class UnsubscribeForm(FlaskForm):
    """Confirms stopping emails; the signed token in the URL says whose."""
