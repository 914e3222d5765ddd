"""Account health: connection metrics, an explained score, weekly snapshots, alerts, reviews.

Internal only: every URL is for staff (404 for anyone else), and nothing here is rendered into
a client page, email, PDF or export. The blueprint lives in views.py (see portal.__init__).
"""
