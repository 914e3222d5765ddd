"""Staff home at `/staff/` (and at `/` for staff, handed over by portal.home.views)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.access import staff_required
from portal.home import staff

bp = Blueprint("staff_home", __name__)


@bp.get("/staff/")
@staff_required
def index():
    """The staff workspace: accounts and their projects, what is owed to clients, follow-ups."""
    show_archived = request.args.get("archived") == "shown"
    return render_template("home/staff.html",
                           **staff.staff_overview(current_user, show_archived=show_archived))
