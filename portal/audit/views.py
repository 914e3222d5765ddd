"""The audit log for admins: read and filter; there is no way to edit or delete it."""

from flask import Blueprint, render_template, request

from portal.access import admin_required
from portal.audit import services
from portal.audit.forms import AuditFilterForm
from portal.db import database_id
from portal.web.templating import viewer_zone

bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@admin_required
def index():
    """Newest events first, a page at a time, narrowed by the filter."""
    form = AuditFilterForm(request.args)
    page = request.args.get("page", 1, type=database_id)  # a huge page reads as the first
    if request.args and not form.validate():
        return render_template("audit/index.html", form=form, events=[], page=1,
                               more=False), 422
    events = services.find_events(form.criteria(), zone=viewer_zone(), page=page)
    more = len(events) > services.PAGE_SIZE
    return render_template("audit/index.html", form=form, events=events[: services.PAGE_SIZE],
                           page=page, more=more)
