"""Staff pages: an account's timeline and touchpoints, logging one, removing one, and the
firm's contact rhythm (admins). Every URL is for staff; clients see summaries on their
dashboard (portal.home)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import admin_required, get_organization_or_404, staff_required
from portal.auth.forms import ButtonForm
from portal.auth.models import User
from portal.extensions import db
from portal.touchpoints import (
    jobs,  # noqa: F401 (the daily reminder job, known to workers)
    services,
)
from portal.touchpoints.forms import ContactRhythmForm, TimelineFilterForm, TouchpointForm
from portal.touchpoints.timeline import KINDS, timeline
from portal.web.paging import page_number

bp = Blueprint("touchpoints", __name__)


@bp.get("/staff/accounts/<int:organization_id>/touchpoints")
@staff_required
def account_timeline(organization_id: int):
    """The account's timeline: touchpoints, updates, questions, pulses, follow-ups, reviews."""
    organization = get_organization_or_404(organization_id)
    filters = TimelineFilterForm(request.args)
    page = timeline(organization, kinds=filters.kinds(), page=page_number())
    return render_template("touchpoints/timeline.html", organization=organization,
                           filters=filters, page=page, kinds=KINDS,
                           contact_days=services.contact_days())


@bp.route("/staff/accounts/<int:organization_id>/touchpoints/new", methods=["GET", "POST"])
@staff_required
def new_touchpoint(organization_id: int):
    """Log a call, meeting or site visit with the account."""
    organization = get_organization_or_404(organization_id)
    form = TouchpointForm(staff_id=current_user.id, occurred_on=services.today_for(organization))
    if not form.validate_on_submit():
        return _form_page(organization, form, 422 if form.is_submitted() else 200)
    try:
        services.log_touchpoint(organization, by=current_user,
                                staff=db.session.get(User, form.staff_id.data),
                                **form.data_for_service())
    except services.TouchpointError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _form_page(organization, form, 422)
    db.session.commit()
    flash("Touchpoint logged.", "success")
    return redirect(url_for("touchpoints.account_timeline", organization_id=organization.id))


def _form_page(organization, form: TouchpointForm, status: int):
    return render_template("touchpoints/new.html", organization=organization, form=form,
                           today=services.today_for(organization)), status


@bp.post("/staff/accounts/<int:organization_id>/touchpoints/<int:touchpoint_id>/remove")
@staff_required
def remove_touchpoint(organization_id: int, touchpoint_id: int):
    """Take a touchpoint logged by mistake off the account."""
    organization = get_organization_or_404(organization_id)
    touchpoint = services.get_touchpoint(organization, touchpoint_id) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.remove_touchpoint(touchpoint, by=current_user)
    db.session.commit()
    flash("Touchpoint removed.", "success")
    return redirect(url_for("touchpoints.account_timeline", organization_id=organization.id))


@bp.route("/admin/touchpoints", methods=["GET", "POST"])
@admin_required
def settings():
    """How often each account's owner should be in touch (the reminder and the metric)."""
    form = ContactRhythmForm(contact_days=services.contact_days())
    if not form.validate_on_submit():
        return render_template("touchpoints/settings.html", form=form), (
            422 if form.is_submitted() else 200)
    services.save_contact_days(form.contact_days.data, by=current_user)
    db.session.commit()
    flash("Contact rhythm saved.", "success")
    return redirect(url_for("touchpoints.settings"))
