"""Pages for links sent by email: accepting an invitation (the sign-in side of the link that
portal/accounts sends), resetting a forgotten password, and signing in with an emailed link.
Each link page shows a form on GET and changes nothing (mail scanners open links); only the
POST from it acts. (An invitation's page notes when it was first opened, for staff.)"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.audit import services as audit
from portal.auth import bp, email_change, email_sign_in, email_tokens, jobs, services
from portal.auth.email_tokens import TokenExpired, TokenProblem, TokenUsed
from portal.auth.forms import ButtonForm, EmailChangeForm, EmailRequestForm, NewPasswordForm
from portal.auth.limits import email_request_limited, sensitive_form_limited
from portal.auth.models import TokenPurpose
from portal.auth.sessions import start_session
from portal.extensions import db


def _link_problem(error: TokenProblem, title: str):
    """A clear page: 410 for a link used or expired, 404 for one that was never ours."""
    status = 410 if isinstance(error, TokenUsed | TokenExpired) else 404
    return render_template("auth/link_problem.html", title=title, message=str(error)), status


# Invitations (sent from portal/accounts) -------------------------------------------------

@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose a password from an invitation, and be signed in."""
    try:
        row = email_tokens.find(token, TokenPurpose.INVITATION)
    except TokenProblem as error:
        return _link_problem(error, "Invitation")
    form = NewPasswordForm()
    page = {"form": form, "user": row.user}
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        if row.opened_at is None:
            email_tokens.note_opened(row)
            db.session.commit()
        return render_template("auth/accept_invitation.html", **page), status
    try:
        user = email_sign_in.accept_invitation(token, form.new_password.data)
    except TokenProblem as error:
        db.session.rollback()
        return _link_problem(error, "Invitation")
    except services.UserError as error:
        form.new_password.errors.append(str(error))
        return render_template("auth/accept_invitation.html", **page), 422
    services.record_sign_in(user)
    audit.record("auth.signed_in", actor=user, organization=user.organization,
                 summary="after accepting an invitation")
    db.session.commit()
    start_session(user, remember=False)
    flash("Welcome! Your password is set and you are signed in.", "success")
    return redirect(url_for("home.index"))


# Password reset ---------------------------------------------------------------------------

@bp.route("/login/forgot", methods=["GET", "POST"])
@email_request_limited
def forgot_password():
    """Ask for a reset link; known and unknown emails get the same answer, as fast."""
    form = EmailRequestForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/forgot_password.html", form=form), status
    jobs.ask_for_link(TokenPurpose.PASSWORD_RESET, form.email.data, address=request.remote_addr)
    db.session.commit()  # only when the queue was down and the link was made here
    return render_template("auth/link_sent.html", what="a link to reset your password",
                           valid_for="one hour")


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link; every session of the account ends."""
    try:
        email_tokens.find(token, TokenPurpose.PASSWORD_RESET)
    except TokenProblem as error:
        return _link_problem(error, "Password reset")
    form = NewPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/reset_password.html", form=form), status
    try:
        email_sign_in.reset_password(token, form.new_password.data)
    except TokenProblem as error:
        db.session.rollback()
        return _link_problem(error, "Password reset")
    except services.UserError as error:
        form.new_password.errors.append(str(error))
        return render_template("auth/reset_password.html", form=form), 422
    db.session.commit()
    # Not signed in here: with two-factor on, the code is still needed, so sign in as usual.
    flash("Your password is changed and every other session is signed out. "
          "Please sign in with the new password.", "success")
    return redirect(url_for("auth.login"))


# Sign-in links ----------------------------------------------------------------------------

def _sign_in_links_on() -> None:
    if not email_sign_in.client_email_sign_in_allowed():
        abort(404)


@bp.route("/login/email-link", methods=["GET", "POST"])
@email_request_limited
def request_sign_in_link():
    """Ask for a sign-in link (clients); known and unknown emails get the same answer, as fast."""
    _sign_in_links_on()
    form = EmailRequestForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/request_sign_in_link.html", form=form), status
    jobs.ask_for_link(TokenPurpose.SIGN_IN_LINK, form.email.data, address=request.remote_addr)
    db.session.commit()  # only when the queue was down and the link was made here
    return render_template("auth/link_sent.html", what="a link to sign in",
                           valid_for="ten minutes")


@bp.route("/login/email-link/<token>", methods=["GET", "POST"])
def sign_in_link(token: str):
    """GET: a page with a button (a mail scanner opening the link signs nobody in).
    POST from that page: signed in."""
    _sign_in_links_on()
    try:
        row = email_sign_in.find_sign_in_link(token)
    except TokenProblem as error:
        return _link_problem(error, "Sign-in link")
    form = ButtonForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/confirm_sign_in_link.html", form=form,
                               user=row.user), status
    try:
        user = email_sign_in.sign_in_with_link(token)
    except TokenProblem as error:
        db.session.rollback()
        return _link_problem(error, "Sign-in link")
    db.session.commit()
    start_session(user, remember=False)
    return redirect(url_for("home.index"))


# A new email address ------------------------------------------------------------------------

@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@sensitive_form_limited
def change_email():
    """Ask to change one's own email address: the password again, then a link to the new
    address and a notice to the old one."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/change_email.html", form=form), status
    try:
        email_change.request_email_change(current_user._get_current_object(),
                                          new_email=form.new_email.data,
                                          password=form.password.data)
    except services.WrongPassword as error:
        form.password.errors.append(str(error))
        return render_template("auth/change_email.html", form=form), 422
    except services.UserError as error:
        form.new_email.errors.append(str(error))
        return render_template("auth/change_email.html", form=form), 422
    db.session.commit()
    flash(f"Check your email at {form.new_email.data.strip().lower()}: open the link we sent "
          f"there within {email_change.VALID_FOR} to use it. Until then your address stays "
          f"{current_user.email}.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """GET: a page with a button (a mail scanner opening the link changes nothing). POST from
    it: the account's address is the new one."""
    try:
        row = email_change.find_email_change(token)
    except TokenProblem as error:
        return _link_problem(error, "New email address")
    form = ButtonForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/confirm_email_change.html", form=form,
                               new_email=row.new_email), status
    try:
        user = email_change.confirm_email_change(token)
    except TokenProblem as error:
        db.session.rollback()
        return _link_problem(error, "New email address")
    except services.UserError as error:
        db.session.rollback()
        return render_template("auth/link_problem.html", title="New email address",
                               message=str(error)), 409
    db.session.commit()
    flash(f"Your email address is now {user.email}: sign in with it from now on.", "success")
    signed_in_here = current_user.is_authenticated and current_user.id == user.id
    return redirect(url_for("auth.account" if signed_in_here else "auth.login"))
