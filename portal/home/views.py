"""Client home and staff home share `/`; `/healthz` tells a load balancer we can serve."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.access import staff_required
from portal.auth import limits
from portal.home import services
from portal.projects.track_record import PROMISE_NOTICE_DAYS
from portal.web.fragments import client_fragment
from portal.web.live import live_fragment, polling

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The client's dashboard, or staff home for staff."""
    if current_user.is_staff:
        return render_template("home/staff.html", **services.staff_overview(current_user))
    version = services.dashboard_version(current_user)
    return render_template("home/client.html", version=version, live=_live_part(version))


def _live_part(version: str) -> Markup:
    """The dashboard's changing part, rendered once per version for each organisation."""
    return client_fragment(
        ("dashboard", current_user.organization_id, version),
        lambda: render_template(
            "home/_live.html", dashboard=services.client_dashboard(current_user),
            promise_notice_days=PROMISE_NOTICE_DAYS,
        ),
    )


@bp.get("/staff/")
@staff_required
def staff_home():
    """The staff workspace: accounts and their projects, what is owed to clients, follow-ups."""
    return render_template("home/staff.html", **services.staff_overview(current_user))


@bp.get("/live")
@login_required
@polling
def live():
    """The client dashboard's changing part, polled by the open page; 304 when unchanged."""
    if current_user.is_staff:
        abort(404)
    version = services.dashboard_version(current_user)
    return live_fragment(version, lambda: _live_part(version))


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not; "degraded" while Redis is down."""
    if not services.database_reachable():
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"} | limits.health(), 200
