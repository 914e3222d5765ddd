"""The admin's selection settings: expiry and retention days, and the reasons clients
choose from."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import admin_required, get_reason_or_404
from portal.extensions import db
from portal.selection import admin_settings, pages, profiles
from portal.selection.blueprint import bp
from portal.selection.forms import ReasonForm, RetireForm, SettingsForm


@bp.route("/admin/candidates/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """How long presented candidates show and are kept; the reasons clients choose from."""
    current = admin_settings.get_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        admin_settings.update_settings(expiry_days=form.expiry_days.data,
                                 retention_days=form.retention_days.data, by=current_user)
        db.session.commit()
        flash("Selection settings saved.", "success")
        return redirect(url_for("selection.settings"))
    return _settings_page(form, ReasonForm(formdata=None))


def _settings_page(form, reason_form, status: int | None = None):
    status = status or (422 if form.errors or reason_form.errors else 200)
    return render_template("selection/settings.html", form=form, reason_form=reason_form,
                           reasons=admin_settings.active_reasons(), retire_form=RetireForm(
                               formdata=None)), status


@bp.post("/admin/candidates/reasons")
@admin_required
def add_reason():
    """Add a reason clients may give for “not a fit”."""
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            admin_settings.add_reason(form.label.data, by=current_user)
        except profiles.SelectionError as error:
            db.session.rollback()
            form.label.errors = [str(error)]
        else:
            db.session.commit()
            flash("Reason added.", "success")
            return redirect(url_for("selection.settings"))
    return _settings_page(SettingsForm(formdata=None, obj=admin_settings.get_settings()), form)


@bp.post("/admin/candidates/reasons/<int:reason_id>/retire")
@admin_required
def retire_reason(reason_id: int):
    """Take a reason off the list; past decisions keep it."""
    reason = get_reason_or_404(reason_id)
    if RetireForm().validate_on_submit():
        with pages.flashed(f"“{reason.label}” is off the list."):
            admin_settings.retire_reason(reason, by=current_user)
    return redirect(url_for("selection.settings"))
