"""Admin pages for webhook endpoints: the list with the form to add one, and each endpoint's
page with its secret and last deliveries."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import admin_required
from portal.concurrency import ChangedMeanwhile
from portal.db import utcnow
from portal.extensions import db
from portal.webhooks import (
    jobs,  # noqa: F401 (the delivery jobs, known to the workers)
    services,
)
from portal.webhooks.forms import ButtonForm, EditEndpointForm, EndpointForm
from portal.webhooks.models import EndpointKind, EventType, WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__)


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    return db.get_or_404(WebhookEndpoint, endpoint_id)


def _render_index(form: EndpointForm, status: int = 200):
    return render_template("webhooks/index.html", form=form, event_count=len(EventType),
                           endpoints=services.all_endpoints()), status


@bp.get("/admin/webhooks")
@admin_required
def index():
    """The registered endpoints and the form to add one."""
    return _render_index(EndpointForm())


@bp.post("/admin/webhooks")
@admin_required
def create():
    """Register an endpoint; its page then shows the signing secret."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _render_index(form, 422)
    try:
        endpoint = services.register_endpoint(
            url=form.url.data, events=form.events.data, kind=EndpointKind(form.kind.data),
            description=form.description.data or "", by=current_user)
    except services.WebhookError as error:
        getattr(form, error.field).errors.append(str(error))
        return _render_index(form, 422)
    db.session.commit()
    flash("Endpoint added. Give its signing secret to the receiving program.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.get("/admin/webhooks/<int:endpoint_id>")
@admin_required
def show(endpoint_id: int):
    """The endpoint's secret(s), state and last deliveries, with "send again"."""
    endpoint = _endpoint_or_404(endpoint_id)
    return render_template(
        "webhooks/show.html", endpoint=endpoint,
        deliveries=services.recent_deliveries(endpoint),
        live_secrets=services.signing_secrets(endpoint, utcnow()))


def _render_edit(endpoint: WebhookEndpoint, form: EditEndpointForm, status: int = 200,
                 changed: ChangedMeanwhile | None = None):
    return render_template("webhooks/edit.html", endpoint=endpoint, form=form,
                           changed=changed), status


@bp.route("/admin/webhooks/<int:endpoint_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(endpoint_id: int):
    """Change the endpoint's URL, description, events and format (the form it was added with,
    filled in with what it has now)."""
    endpoint = _endpoint_or_404(endpoint_id)
    form = EditEndpointForm(data={"url": endpoint.url, "description": endpoint.description,
                                  "kind": endpoint.kind.value, "events": list(endpoint.events)})
    form.opened_on(services.endpoint_version(endpoint))
    if not form.validate_on_submit():
        return _render_edit(endpoint, form, 422 if form.is_submitted() else 200)
    was_active = endpoint.active
    try:
        changes = services.edit_endpoint(
            endpoint, url=form.url.data, events=form.events.data,
            kind=EndpointKind(form.kind.data), description=form.description.data or "",
            by=current_user, seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _render_edit(endpoint, form, 409, changed)
    except services.WebhookError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return _render_edit(endpoint, form, 422)
    db.session.commit()
    if not changes:
        flash("Nothing changed.", "success")
    elif endpoint.active and not was_active:
        flash("Endpoint saved and enabled again: new events go to the new URL.", "success")
    else:
        flash("Endpoint saved.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/admin/webhooks/<int:endpoint_id>/rotate")
@admin_required
def rotate(endpoint_id: int):
    """A new signing secret; the old one keeps signing for the overlap period."""
    endpoint = _endpoint_or_404(endpoint_id)
    if ButtonForm().validate_on_submit():
        services.rotate_secret(endpoint, by=current_user)
        db.session.commit()
        flash("New secret made. The old one keeps signing beside it for 24 hours.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/admin/webhooks/<int:endpoint_id>/enable")
@admin_required
def enable(endpoint_id: int):
    """Turn a disabled endpoint back on."""
    endpoint = _endpoint_or_404(endpoint_id)
    if ButtonForm().validate_on_submit():
        services.enable_endpoint(endpoint, by=current_user)
        db.session.commit()
        flash("Endpoint enabled: new events go to it again.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/admin/webhooks/<int:endpoint_id>/delete")
@admin_required
def delete(endpoint_id: int):
    """Remove the endpoint and its history."""
    endpoint = _endpoint_or_404(endpoint_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    services.remove_endpoint(endpoint, by=current_user)
    db.session.commit()
    flash("Endpoint removed.", "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/admin/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again")
@admin_required
def send_again(endpoint_id: int, delivery_id: int):
    """Queue one delivery's event to the endpoint again."""
    endpoint = _endpoint_or_404(endpoint_id)
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            services.send_again(delivery)
        except services.WebhookError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Queued to be sent again.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
