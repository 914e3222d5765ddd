"""The signed-in user's password and two-factor pages, and the admins' security settings.
Each change needs a recent sign-in (auth.reauthenticate) and is audited."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.access import admin_required, changes_access, staff_required
from portal.auth import bp, email_sign_in, services
from portal.auth import two_factor as second_factor
from portal.auth.forms import (
    ButtonForm,
    CodeForm,
    DisableTwoFactorForm,
    PasswordChangeForm,
    SecuritySettingsForm,
)
from portal.auth.limits import sensitive_form_limited
from portal.auth.models import User
from portal.auth.sessions import recent_sign_in_required, renew_session
from portal.extensions import db


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@recent_sign_in_required
@sensitive_form_limited
def change_password():
    """Change one's own password; the current one is asked for, other sessions end."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/change_password.html", form=form), status
    user = _me()
    try:
        services.change_password(user, current=form.current_password.data,
                                 new=form.new_password.data)
    except services.WrongPassword as error:
        form.current_password.errors.append(str(error))
        return render_template("auth/change_password.html", form=form), 422
    except services.UserError as error:
        form.new_password.errors.append(str(error))
        return render_template("auth/change_password.html", form=form), 422
    db.session.commit()
    renew_session(user)
    flash("Your password is changed. You have been signed out everywhere else.", "success")
    return redirect(url_for("auth.account"))


def _two_factor_page(form: CodeForm, status: int = 200,
                     disable_form: DisableTwoFactorForm | None = None):
    user = _me()
    qr_code = None
    if not user.has_two_factor:
        uri = second_factor.provisioning_uri(user, issuer=current_app.config["FIRM_NAME"])
        qr_code = second_factor.qr_code_svg(uri)
    return render_template(
        "auth/two_factor.html", form=form, secret=user.totp_secret, qr_code=qr_code,
        buttons=ButtonForm(), required=second_factor.staff_two_factor_required(),
        codes_left=second_factor.unused_recovery_codes(user),
        disable_form=disable_form or DisableTwoFactorForm(formdata=None),
    ), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@staff_required
@recent_sign_in_required
@sensitive_form_limited
def two_factor():
    """Two-factor sign-in: its state, or setting it up with a QR code and the code it shows."""
    user, form = _me(), CodeForm()
    if user.has_two_factor:
        return _two_factor_page(form)
    second_factor.begin_enrolment(user)
    db.session.commit()  # the secret must survive until a code confirms it
    if not form.validate_on_submit():
        return _two_factor_page(form, 422 if form.is_submitted() else 200)
    try:
        codes = second_factor.confirm_enrolment(user, form.code.data)
    except second_factor.TwoFactorError as error:
        form.code.errors.append(str(error))
        return _two_factor_page(form, 422)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/account/two-factor/recovery-codes")
@staff_required
@recent_sign_in_required
def new_recovery_codes():
    """A fresh set of recovery codes, shown once; the old ones stop working and the user's
    other sessions end."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    user = _me()
    try:
        codes = second_factor.regenerate_recovery_codes(user)
    except second_factor.TwoFactorError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.two_factor"))
    db.session.commit()
    renew_session(user)
    return render_template("auth/recovery_codes.html", codes=codes, renewed=True)


@bp.post("/account/two-factor/disable")
@staff_required
@recent_sign_in_required
@sensitive_form_limited
def disable_two_factor():
    """Turn two-factor sign-in off with a current code, where the firm does not require it;
    the user's other sessions end."""
    user, form = _me(), DisableTwoFactorForm()
    if not form.validate_on_submit():
        return _two_factor_page(CodeForm(formdata=None), 422, disable_form=form)
    try:
        second_factor.disable_two_factor(user, form.code.data)
    except second_factor.TwoFactorRequired as error:
        flash(str(error), "error")
        return redirect(url_for("auth.two_factor"))
    except second_factor.TwoFactorError as error:
        form.code.errors.append(str(error))
        return _two_factor_page(CodeForm(formdata=None), 422, disable_form=form)
    db.session.commit()
    renew_session(user)
    flash("Two-factor sign-in is off. You have been signed out everywhere else.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/admin/security", methods=["GET", "POST"])
@admin_required
@changes_access
def security_settings():
    """The firm's security choices: whether all staff must use two-factor sign-in, and
    whether clients may sign in with a link sent by email."""
    form = SecuritySettingsForm()
    if not form.is_submitted():
        form.require_staff_two_factor.data = second_factor.staff_two_factor_required()
        form.allow_client_email_sign_in.data = email_sign_in.client_email_sign_in_allowed()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/security_settings.html", form=form), status
    second_factor.set_staff_two_factor_required(form.require_staff_two_factor.data, by=_me())
    email_sign_in.set_client_email_sign_in_allowed(form.allow_client_email_sign_in.data,
                                                   by=_me())
    db.session.commit()
    flash("Security settings saved.", "success")
    return redirect(url_for("auth.security_settings"))
