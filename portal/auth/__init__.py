"""Identity: signing in and out, sessions, two-factor, emailed tokens, and the User model.

The blueprint is defined here, not in a views module: views.py, email_views.py and
security_views.py each add their routes to it without importing one another, and
register_blueprints imports all three.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)
