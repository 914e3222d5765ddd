"""Sign-in and sign-out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.audit import services as audit
from portal.auth import services
from portal.auth.forms import AccountForm, LoginForm
from portal.auth.models import UpdateEmails
from portal.extensions import db

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "That email and password do not match an active account."


def safe_next(target: str | None) -> str | None:
    """The `next` target only if it is a path on this site, never another host."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in on a correct email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/login.html", form=form), status
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        audit.record("auth.sign_in_failed", actor=None, summary=form.email.data)
        db.session.commit()
        form.password.errors.append(SIGN_IN_FAILED)
        return render_template("auth/login.html", form=form), 422
    services.record_sign_in(user)
    audit.record("auth.signed_in", actor=user, organization=user.organization)
    db.session.commit()
    next_url = safe_next(request.args.get("next"))
    session.clear()  # nothing from before sign-in survives into the signed-in session
    login_user(user, remember=form.remember.data)
    return redirect(next_url or url_for("home.index"))


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and end the user's other sessions too (CSRFProtect guards every POST)."""
    services.end_all_sessions(current_user)
    audit.record("auth.signed_out", actor=current_user, organization=current_user.organization)
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion in the session
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own settings: name, phone, timezone and which emails they want."""
    user = current_user
    zone = user.organization.timezone if user.organization else "UTC"
    form = AccountForm(obj=user, default_zone=zone)
    if not form.is_submitted():
        form.timezone.data = user.timezone or ""
        form.update_emails.data = user.update_emails.value
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/account.html", form=form), status
    try:
        services.update_settings(
            user, name=form.name.data, phone=form.phone.data, timezone=form.timezone.data,
            update_emails=UpdateEmails(form.update_emails.data),
        )
    except services.UserError as error:
        form.timezone.errors.append(str(error))
        return render_template("auth/account.html", form=form), 422
    db.session.commit()
    flash("Your settings are saved.", "success")
    return redirect(url_for("auth.account"))
