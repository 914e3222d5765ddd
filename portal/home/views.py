"""Client home and staff home share `/`; `/healthz` tells a load balancer we can serve."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.home import services

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The client's dashboard, or staff home for staff."""
    if current_user.is_staff:
        return render_template("home/staff.html", **services.staff_overview(current_user))
    return render_template("home/client.html", **services.client_dashboard(current_user))


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    if services.database_reachable():
        return {"status": "ok", "database": "ok"}, 200
    return {"status": "unavailable", "database": "unreachable"}, 503
