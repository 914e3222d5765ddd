"""Staff home at `/staff/` (and at `/` for staff, handed over by portal.home.views)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.access import staff_required
from portal.home import staff
from portal.home.style import style_page
from portal.projects.forms import AccountSearchForm
from portal.web.paging import page_number

bp = Blueprint("staff_home", __name__)


@bp.get("/staff/")
@staff_required
def index():
    """The staff workspace: accounts and their projects, what is owed to clients, follow-ups."""
    form = AccountSearchForm(request.args)
    form.validate()
    show_archived = request.args.get("archived") == "shown"
    return render_template(
        "home/staff.html", search_form=form,
        **staff.staff_overview(current_user, form.search(), page_number(),
                               show_archived=show_archived))


@bp.get("/staff/style")
@staff_required
def style():
    """The living style page: every component of the design system, drawn by its macro."""
    return render_template("home/style.html", **style_page())
