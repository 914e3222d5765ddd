"""The two homes, kept apart: the client dashboard (client.py, views.py) and staff home
(staff.py, staff_views.py), which alone may use the health code; and the health check."""
