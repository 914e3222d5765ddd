"""A client's feed links on their account (/account/feeds) and the two feeds they open."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.feeds import services
from portal.feeds.atom import updates_feed
from portal.feeds.calendar import etas_calendar
from portal.notifications.rendering import absolute_url

bp = Blueprint("feeds", __name__)


def _feed_holder_or_404():
    if not services.may_have_feeds(current_user):
        abort(404)
    return current_user


@bp.get("/account/feeds")
@login_required
def links():
    """Whether the client has feed links, and buttons to make, reset or turn them off."""
    user = _feed_holder_or_404()
    link = services.feed_link(user)
    return render_template("feeds/links.html", link=link, form=ButtonForm(),
                           stopped=link is not None and not services.works(link))


@bp.post("/account/feeds")
@login_required
def make_links():
    """New feed links (the old ones stop working), shown once to copy."""
    user = _feed_holder_or_404()
    if not ButtonForm().validate_on_submit():
        abort(400)
    token = services.make_feed_link(user)
    db.session.commit()
    return render_template(
        "feeds/links.html", link=services.feed_link(user), form=ButtonForm(),
        atom_url=absolute_url("feeds.updates", token=token),
        calendar_url=absolute_url("feeds.etas", token=token))


@bp.post("/account/feeds/off")
@login_required
def turn_off():
    """Stop the feed links working, with no new ones."""
    user = _feed_holder_or_404()
    if not ButtonForm().validate_on_submit():
        abort(400)
    removed = services.turn_off_feeds(user)
    db.session.commit()
    flash("Your feed links no longer work." if removed else "You had no feed links.", "success")
    return redirect(url_for("feeds.links"))


@bp.get("/feeds/<token>/updates.atom")
def updates(token: str):
    """The Atom feed of the link's owner; 404 for any link that does not work."""
    link = services.reading_link(token) or abort(404)
    body = updates_feed(link.user, self_url=absolute_url("feeds.updates", token=token))
    db.session.commit()  # when the link was last read
    return Response(body, mimetype="application/atom+xml",
                    headers={"X-Robots-Tag": "noindex"})


@bp.get("/feeds/<token>/etas.ics")
def etas(token: str):
    """The calendar feed of the link's owner; 404 for any link that does not work."""
    link = services.reading_link(token) or abort(404)
    body = etas_calendar(link.user)
    db.session.commit()
    return Response(body, mimetype="text/calendar",
                    headers={"X-Robots-Tag": "noindex",
                             "Content-Disposition": 'inline; filename="etas.ics"'})
