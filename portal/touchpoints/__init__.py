"""Touchpoints: calls, meetings and site visits staff log on an account, the reminder when an
account's owner has been out of touch, and the account's timeline of everything that happened.

The internal note is for staff only; the optional summary is what the client sees ("Recent
contact" on their dashboard). The blueprint lives in views.py (see portal.__init__).
"""
