"""Satisfaction pulses: one to three short CSAT/NPS/CES questions, acted on when low."""
