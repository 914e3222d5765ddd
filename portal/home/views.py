"""`/` and `/live` for clients, `/healthz` for load balancers.

A client's request runs this module, so it imports nothing of staff home (which uses the
health code): staff asking for `/` get staff home's own view, found by its endpoint.
"""

from flask import Blueprint, abort, current_app, render_template
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import text

from portal.access import signed_in_client_project_versions
from portal.auth import limits
from portal.content.client_figures import client_figures
from portal.extensions import db
from portal.home import client
from portal.projects.track_record import PROMISE_NOTICE_DAYS
from portal.touchpoints import services as touchpoints
from portal.web import facts
from portal.web.fragments import client_fragment
from portal.web.live import live_fragment, polling

bp = Blueprint("home", __name__)


@bp.record_once
def read_the_dashboard_version_with_the_user(state: BlueprintSetupState) -> None:
    """The dashboard and its poll are keyed by its version: read it in the user's statement."""
    facts.add_fact(state.app, facts.Fact(
        client.DASHBOARD_VERSION, signed_in_client_project_versions,
        endpoints=frozenset({"home.index", "home.live"})))
    facts.add_fact(state.app, facts.Fact(
        touchpoints.RECENT_CONTACT, touchpoints.signed_in_recent_contact,
        endpoints=frozenset({"home.index"})))


@bp.get("/")
@login_required
def index():
    """The client's dashboard, or staff home for staff."""
    if current_user.is_staff:
        return current_app.view_functions["staff_home.index"]()
    version = client.dashboard_version(current_user)
    return render_template("home/client.html", version=version, live=_live_part(version),
                           recent_contact=_recent_contact())


def _recent_contact() -> Markup:
    """The "Recent contact" panel, rendered again only when its touchpoints or the staff they
    name change."""
    count, latest, staff = touchpoints.recent_contact_version(current_user)
    if not count:
        return Markup("")
    return client_fragment(
        ("recent_contact", current_user.organization_id, count, latest, staff),
        lambda: render_template("touchpoints/_recent_contact.html",
                                recent_contact=touchpoints.recent_for_client(current_user)))


def _live_part(version: str) -> Markup:
    """The dashboard's changing part, rendered once per version for each organisation."""
    return client_fragment(
        ("dashboard", current_user.organization_id, version),
        lambda: render_template(
            "home/_live.html", dashboard=client.client_dashboard(current_user),
            promise_notice_days=PROMISE_NOTICE_DAYS, shown=client_figures(),
        ),
    )


@bp.get("/live")
@login_required
@polling
def live():
    """The client dashboard's changing part, polled by the open page; 304 when unchanged."""
    if current_user.is_staff:
        abort(404)
    version = client.dashboard_version(current_user)
    return live_fragment(version, lambda: _live_part(version))


def _database_reachable() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return False
    return True


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not; "degraded" while Redis is down."""
    if not _database_reachable():
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"} | limits.health(), 200
