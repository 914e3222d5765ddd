"""Satisfaction pulses: short CSAT/NPS/CES questions, one click from an email, acted on when low."""
