"""Sign-in (with its two-factor step), sign-out, confirming identity, and the user's settings.

The password and two-factor pages are in security_views.py, the pages of emailed links in
email_views.py; all three add their routes to the package's blueprint.
"""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal.audit import services as audit
from portal.auth import bp, services, throttle, two_factor
from portal.auth.forms import AccountForm, CodeForm, ConfirmIdentityForm, LoginForm
from portal.auth.limits import (
    PENDING_SIGN_IN,
    sensitive_form_limited,
    sign_in_limited,
    too_many_attempts,
)
from portal.auth.models import UpdateEmails, User
from portal.auth.sessions import (
    confirm_identity,
    end_session,
    now,
    safe_next,
    start_session,
)
from portal.extensions import db

SIGN_IN_FAILED = "That email and password do not match an active account."
PENDING_SECONDS = 300  # time allowed between the password and the code
# What a member of staff who must set up two-factor may still do until they have.
ENROLMENT_ENDPOINTS = {"auth.two_factor", "auth.reauthenticate", "auth.logout", "static",
                       "home.healthz", "content.logo"}


def _finish_sign_in(user: User, *, remember: bool, next_url: str | None):
    throttle.forget_failures(user.email, request.remote_addr or "unknown")
    services.record_sign_in(user)
    audit.record("auth.signed_in", actor=user, organization=user.organization)
    db.session.commit()
    start_session(user, remember=remember)
    return redirect(next_url or url_for("home.index"))


def _login_page(form: LoginForm, status: int):
    from portal.auth.email_sign_in import client_email_sign_in_allowed

    return render_template("auth/login.html", form=form,
                           email_links=client_email_sign_in_allowed()), status


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited
def login():
    """Show the sign-in form; sign in on a correct email and password (and code, with 2FA)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _login_page(form, status)
    address = request.remote_addr or "unknown"
    wait = throttle.seconds_to_wait(form.email.data, address)
    if wait:
        return too_many_attempts(wait)  # the password is not even checked
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        throttle.record_failure(form.email.data, address)
        audit.record("auth.sign_in_failed", actor=None, summary=form.email.data)
        db.session.commit()
        form.password.errors.append(SIGN_IN_FAILED)
        return _login_page(form, 422)
    next_url = safe_next(request.args.get("next"))
    if not user.has_two_factor:
        return _finish_sign_in(user, remember=form.remember.data, next_url=next_url)
    session.clear()  # half signed in is not signed in: nothing else rides along
    session[PENDING_SIGN_IN] = {"key": user.get_id(), "at": now(),
                                "remember": bool(form.remember.data), "next": next_url}
    return redirect(url_for("auth.two_factor_challenge"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_SIGN_IN)
    if not pending or now() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user_id, _, version = str(pending.get("key", "")).partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
@sensitive_form_limited
def two_factor_challenge():
    """The second step of signing in: a code from the app or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_SIGN_IN, None)
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/two_factor_challenge.html", form=form), status
    if not two_factor.check_second_factor(user, form.code.data):
        audit.record("auth.two_factor_failed", actor=user, organization=user.organization)
        db.session.commit()
        form.code.errors.append("That code is not right, or it has been used already.")
        return render_template("auth/two_factor_challenge.html", form=form), 422
    pending = session.pop(PENDING_SIGN_IN)
    return _finish_sign_in(user, remember=pending["remember"], next_url=pending["next"])


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
@sensitive_form_limited
def reauthenticate():
    """Enter the password (and code) again before a sensitive change."""
    form = ConfirmIdentityForm()
    next_url = safe_next(request.args.get("next")) or url_for("auth.account")
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/reauthenticate.html", form=form), status
    user = current_user._get_current_object()
    code_ok = not user.has_two_factor or two_factor.check_second_factor(user, form.code.data or "")
    if not services.password_matches(user, form.password.data) or not code_ok:
        audit.record("auth.reauthentication_failed", actor=user, organization=user.organization)
        db.session.commit()
        form.password.errors.append("That password (or code) is not right.")
        return render_template("auth/reauthenticate.html", form=form), 422
    db.session.commit()  # the used code's time step or recovery code
    confirm_identity()
    return redirect(next_url)


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and end the user's other sessions too (CSRFProtect guards every POST)."""
    services.end_all_sessions(current_user)
    audit.record("auth.signed_out", actor=current_user, organization=current_user.organization)
    db.session.commit()
    end_session("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def require_two_factor_enrolment():
    """When the firm requires two-factor for staff, staff without it set it up first."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    if two_factor.must_enrol(current_user):
        flash("The firm requires two-factor sign-in for staff: please set it up now.", "info")
        return redirect(url_for("auth.two_factor"))
    return None


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own settings: name, phone, timezone and which emails they want."""
    user = current_user
    form = AccountForm(obj=user, default_zone=user.organization_timezone)
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

