"""Staff pages for client organisations and invitations; admin pages for users and roles.
Every page that grants or removes someone's access carries @changes_access."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.access import (
    admin_required,
    changes_access,
    get_organization_or_404,
    staff_required,
)
from portal.accounts import erasure, invitations, photos, services
from portal.accounts.forms import (
    EditOrganizationForm,
    EraseForm,
    InvitationForm,
    OrganizationForm,
    ProfileForm,
    RoleForm,
    UserForm,
    UserSearchForm,
)
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth import two_factor
from portal.auth.forms import ButtonForm
from portal.auth.models import Role, User
from portal.concurrency import ChangedMeanwhile
from portal.extensions import db
from portal.plain_text import counted
from portal.touchpoints import services as touchpoint_services
from portal.web.paging import page_number, page_of

bp = Blueprint("accounts", __name__)
PROFILE_ENDPOINTS = {"accounts.own_profile", "accounts.edit_profile"}
ONE_YEAR = 365 * 24 * 3600


@bp.url_value_preprocessor
def allow_photo_sized_bodies(endpoint: str | None, values: dict | None) -> None:
    """A photo may be 2 MB, the app's whole request limit; this runs before the CSRF check
    reads the body, so the form around the photo fits too."""
    if endpoint in PROFILE_ENDPOINTS:
        request.max_content_length = photos.MAX_PHOTO_BYTES + 64 * 1024


@bp.route("/staff/accounts/new", methods=["GET", "POST"])
@staff_required
def new_organization():
    """Create a client organisation."""
    form = OrganizationForm()
    if not form.validate_on_submit():
        return render_template("accounts/new.html", form=form), 422 if form.is_submitted() else 200
    owner = db.session.get(User, form.account_owner_id.data) if form.account_owner_id.data else None
    try:
        organization = services.create_organization(
            name=form.name.data, account_owner=owner, timezone=form.timezone.data,
            by=current_user,
        )
    except services.OrganizationError as error:
        form.name.errors.append(str(error))
        return render_template("accounts/new.html", form=form), 422
    db.session.commit()
    flash(f"{organization.name} is set up. Add its first project.", "success")
    return redirect(url_for("accounts.show_organization", organization_id=organization.id))


@bp.get("/staff/accounts/<int:organization_id>")
@staff_required
def show_organization(organization_id: int):
    """An account: its projects and its client users."""
    organization = get_organization_or_404(organization_id)
    return render_template("accounts/show.html", organization=organization,
                           touchpoints=touchpoint_services.recent_touchpoints(organization),
                           contact_days=touchpoint_services.contact_days())


def _edit_page(organization: Organization, form, status: int = 200, changed=None):
    return render_template("accounts/edit.html", organization=organization, form=form,
                           changed=changed, archive_form=ButtonForm()), status


def _staff(user_id: int) -> User | None:
    return db.session.get(User, user_id) if user_id else None


@bp.route("/staff/accounts/<int:organization_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_organization(organization_id: int):
    """Change an account's name, owner, client-care owner and timezone."""
    organization = get_organization_or_404(organization_id)
    form = EditOrganizationForm(obj=organization,
                                account_owner_id=organization.account_owner_id or 0,
                                care_owner_id=organization.care_owner_id or 0)
    form.opened_on(services.details_version(organization))
    if not form.validate_on_submit():
        return _edit_page(organization, form, 422 if form.is_submitted() else 200)
    try:
        changes = services.edit_organization(
            organization, name=form.name.data, account_owner=_staff(form.account_owner_id.data),
            care_owner=_staff(form.care_owner_id.data), timezone=form.timezone.data,
            by=current_user, seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _edit_page(organization, form, 409, changed=changed)
    except services.OrganizationError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return _edit_page(organization, form, 422)
    db.session.commit()
    flash("Account saved." if changes else "Nothing changed.", "success")
    return redirect(url_for("accounts.show_organization", organization_id=organization.id))


@bp.post("/staff/accounts/<int:organization_id>/archive")
@staff_required
def archive_organization(organization_id: int):
    """Take an account and its projects off its clients' pages and the staff lists."""
    organization = _pressed(organization_id)
    services.set_archived(organization, True, by=current_user)
    db.session.commit()
    flash(f"{organization.name} is archived: its clients no longer see their projects.",
          "success")
    return redirect(url_for("accounts.show_organization", organization_id=organization.id))


@bp.post("/staff/accounts/<int:organization_id>/restore")
@staff_required
def restore_organization(organization_id: int):
    """Bring an archived account back to its clients and the staff lists."""
    organization = _pressed(organization_id)
    services.set_archived(organization, False, by=current_user)
    db.session.commit()
    flash(f"{organization.name} is restored.", "success")
    return redirect(url_for("accounts.show_organization", organization_id=organization.id))


def _pressed(organization_id: int) -> Organization:
    """The account whose archive or restore button was pressed (with its CSRF token)."""
    organization = get_organization_or_404(organization_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return organization


@bp.route("/staff/accounts/<int:organization_id>/invite", methods=["GET", "POST"])
@staff_required
@changes_access
def invite(organization_id: int):
    """Invite people of this client organisation, many at once: each gets an email to choose
    a password. One refused entry and nobody is invited; the page says which and why."""
    organization = get_organization_or_404(organization_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/invite.html", form=form, organization=organization,
                               plan=None), status
    plan = invitations.invite_many(organization, form.people.data, by=_me())
    if not plan.ok:
        db.session.rollback()
        return render_template("accounts/invite.html", form=form, organization=organization,
                               plan=plan), 422
    db.session.commit()
    flash(_sent_summary(plan), "success")
    return redirect(url_for("accounts.list_invitations", organization_id=organization.id))


def _sent_summary(plan: invitations.Plan) -> str:
    """What the paste did, in one sentence."""
    parts = [counted(plan.count(invitations.Outcome.INVITE), "invitation") + " sent",
             counted(plan.count(invitations.Outcome.RESEND), "invitation") + " sent again "
             "with a new link (the old one no longer works)"]
    skipped = [f"{line.entry.where}: {line.reason}" for line in plan.lines
               if line.outcome == invitations.Outcome.SKIP]
    sentence = "; ".join(parts) + " (links valid for 7 days)."
    return sentence + (" Nothing sent for " + "; ".join(skipped) if skipped else "")


@bp.get("/staff/accounts/<int:organization_id>/invitations")
@staff_required
def list_invitations(organization_id: int):
    """The organisation's contacts and their invitations: sent, opened, accepted."""
    organization = get_organization_or_404(organization_id)
    rows = invitations.invitation_list(organization)
    return render_template("accounts/invitations.html", organization=organization, rows=rows,
                           not_invited=sum(r.standing == invitations.Standing.NOT_INVITED
                                           for r in rows), button=ButtonForm())


def _contact_or_404(organization: Organization, user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organization_id != organization.id:
        abort(404)
    return user


def _change_invitation(organization_id: int, user_id: int, act, done: str):
    """Resend or revoke someone's invitation, from the account's invitations page."""
    organization = get_organization_or_404(organization_id)
    user = _contact_or_404(organization, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        act(user, by=_me())
    except invitations.InvitationError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.list_invitations", organization_id=organization.id))
    db.session.commit()
    flash(done.format(name=user.name, email=user.email), "success")
    return redirect(url_for("accounts.list_invitations", organization_id=organization.id))


@bp.post("/staff/accounts/<int:organization_id>/invitations/<int:user_id>/resend")
@staff_required
@changes_access
def resend_invitation(organization_id: int, user_id: int):
    """Send someone's invitation again with a new link; the earlier one stops working."""
    return _change_invitation(organization_id, user_id, invitations.send_invitation,
                              "A new invitation is on its way to {email}; the earlier link no "
                              "longer works.")


@bp.post("/staff/accounts/<int:organization_id>/invitations/<int:user_id>/revoke")
@staff_required
@changes_access
def revoke_invitation(organization_id: int, user_id: int):
    """Withdraw someone's invitation: the link stops working."""
    return _change_invitation(organization_id, user_id, invitations.revoke_invitation,
                              "{name}'s invitation is withdrawn: the link no longer works.")


@bp.post("/staff/accounts/<int:organization_id>/invitations/not-yet-invited")
@staff_required
@changes_access
def invite_not_yet_invited(organization_id: int):
    """Invite every contact of the organisation who has not had an invitation (imported ones)."""
    organization = get_organization_or_404(organization_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    sent = invitations.invite_not_yet_invited(organization, by=_me())
    db.session.commit()
    flash(f"{counted(sent, 'invitation')} sent (links valid for 7 days).", "success")
    return redirect(url_for("accounts.list_invitations", organization_id=organization.id))


@bp.route("/admin/accounts/<int:organization_id>/erase", methods=["GET", "POST"])
@admin_required
@changes_access
def erase_client_data(organization_id: int):
    """On a privacy request: remove the organisation's people's personal data, comments,
    questions and emails, keeping projects and anonymous figures; say what was removed."""
    organization = get_organization_or_404(organization_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _erase_page(organization, form, 422 if form.is_submitted() else 200)
    try:
        done = erasure.erase(organization, typed_name=form.typed_name.data or "", by=_me())
    except erasure.ErasureError as error:
        db.session.rollback()
        form.typed_name.errors.append(str(error))
        return _erase_page(organization, form, 422)
    db.session.commit()
    return render_template("accounts/erased.html", organization=organization, done=done)


def _erase_page(organization: Organization, form: EraseForm, status: int):
    return render_template("accounts/erase.html", organization=organization, form=form,
                           would=erasure.preview(organization),
                           removed=erasure.REMOVED,
                           erased_domain=erasure.ERASED_DOMAIN), status


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/admin/users")
@admin_required
def list_users():
    """Every user, with a switch to stop or allow their sign-in."""
    form = UserSearchForm(request.args)
    form.validate()
    users = page_of(services.users_listed(**form.search()), page_number(),
                    services.USERS_PAGE_SIZE)
    return render_template("accounts/users.html", users=users, search_form=form)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
@changes_access
def new_user():
    """Create a member of staff with a first password, or invite a client user by email."""
    form = UserForm()
    if not form.validate_on_submit():
        return render_template("accounts/user_new.html", form=form), (
            422 if form.is_submitted() else 200
        )
    organization = (
        db.session.get(Organization, form.organization_id.data)
        if form.organization_id.data else None
    )
    if Role(form.role.data) == Role.CLIENT:
        try:
            user, _ = services.invite_client(
                organization, email=form.email.data, name=form.name.data, by=current_user)
            # An invitee invited again keeps their account: a new job title or phone is a
            # profile change, audited as one.
            services.update_profile(user, name=user.name, job_title=form.job_title.data or None,
                                    phone=form.phone.data or None, by=current_user)
        except services.ProfileRefused as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
            return render_template("accounts/user_new.html", form=form), 422
        except auth_services.UserError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
            return render_template("accounts/user_new.html", form=form), 422
        db.session.commit()
        flash(f"{user.name} is invited: an email is on its way to {user.email} with a link to "
              "choose a password (valid for 7 days).", "success")
        return redirect(url_for("accounts.list_users"))
    try:
        user = auth_services.create_user(
            email=form.email.data, name=form.name.data, role=Role(form.role.data),
            organization=organization, password=form.password.data,
            job_title=form.job_title.data or None, phone=form.phone.data or None,
            by=current_user,
        )
    except auth_services.UserError as error:
        form.email.errors.append(str(error))
        return render_template("accounts/user_new.html", form=form), 422
    db.session.commit()
    flash(f"{user.name} can now sign in as {user.email}.", "success")
    return redirect(url_for("accounts.list_users"))


@bp.post("/admin/users/<int:user_id>/<any(activate, deactivate):action>")
@admin_required
@changes_access
def set_user_active(user_id: int, action: str):
    """Allow or stop a user signing in."""
    user = db.get_or_404(User, user_id)
    try:
        services.set_active(user, action == "activate", by=current_user)
    except auth_services.UserError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.list_users"))
    db.session.commit()
    flash(f"{user.name} is {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("accounts.list_users"))


@bp.post("/admin/users/<int:user_id>/role")
@admin_required
@changes_access
def change_role(user_id: int):
    """Make a member of staff an admin, or an admin staff; their sessions end."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose staff or admin.", "error")
        return redirect(url_for("accounts.list_users"))
    try:
        services.change_role(user, Role(form.role.data), by=current_user._get_current_object())
    except auth_services.UserError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.list_users"))
    db.session.commit()
    flash(f"{user.name} is now {user.role.value}.", "success")
    return redirect(url_for("accounts.list_users"))


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
@admin_required
@changes_access
def reset_two_factor(user_id: int):
    """Turn off a colleague's two-factor sign-in (a lost phone); their sessions end."""
    user = db.get_or_404(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        two_factor.reset_two_factor(user, by=current_user._get_current_object())
    except two_factor.TwoFactorError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.list_users"))
    db.session.commit()
    flash(f"{user.name}'s two-factor sign-in is off and their sessions have ended; they can "
          "set it up again after signing in.", "success")
    return redirect(url_for("accounts.list_users"))


# Staff profiles and photos -----------------------------------------------------------------

def _profile_page(user: User, form: ProfileForm, status: int = 200, changed=None):
    return render_template("accounts/profile.html", form=form, member=user, changed=changed,
                           own=user.id == current_user.id), status


def _edit_profile(user: User, done_url: str):
    """The profile form of this member of staff: show it, or save it and go to done_url."""
    form = ProfileForm(obj=user)
    form.opened_on(services.profile_version(user))
    if not form.validate_on_submit():
        return _profile_page(user, form, 422 if form.is_submitted() else 200)
    try:
        services.update_profile(user, name=form.name.data, job_title=form.job_title.data,
                                phone=form.phone.data, photo=form.photo_bytes(),
                                remove_photo=form.remove_photo.data, by=_me(),
                                seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _profile_page(user, form, 409, changed=changed)
    except photos.PhotoRejected as error:
        db.session.rollback()
        form.photo.errors.append(f"{error} Nothing was saved.")
        return _profile_page(user, form, 422)
    except services.ProfileRefused as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return _profile_page(user, form, 422)
    db.session.commit()
    flash("The profile is saved: clients see it beside \u201cwho to call\u201d.", "success")
    return redirect(done_url)


@bp.route("/staff/profile", methods=["GET", "POST"])
@staff_required
def own_profile():
    """A member of staff's own profile: name, job title, phone and photo."""
    return _edit_profile(_me(), url_for("accounts.own_profile"))


@bp.route("/admin/people/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_profile(user_id: int):
    """An admin edits any member of staff's profile."""
    user = db.get_or_404(User, user_id)
    if not user.is_staff:
        abort(404)
    return _edit_profile(user, url_for("accounts.list_users"))


@bp.errorhandler(RequestEntityTooLarge)
def photo_too_large(error: RequestEntityTooLarge):
    """A body far over the photo limit is refused by its size alone, on the profile form."""
    if request.endpoint not in PROFILE_ENDPOINTS or not current_user.is_authenticated:
        return render_template("errors/error.html", error=error), 413
    user_id = (request.view_args or {}).get("user_id")
    user = db.session.get(User, user_id) if user_id else _me()
    if user is None or not user.is_staff or not (current_user.is_admin or user.id == _me().id):
        return render_template("errors/error.html", error=error), 413
    form = ProfileForm(formdata=None, obj=user)
    form.edit_version.data = services.profile_version(user)  # the values this page shows
    form.photo.errors = [f"That file is far over the {photos.MAX_PHOTO_BYTES // 1024 // 1024} "
                         "MB a photo may be. Nothing was saved."]
    return _profile_page(user, form, 413)


@bp.get("/people/<int:user_id>/photo")
@login_required
def show_photo(user_id: int):
    """A member of staff's photo, for anyone signed in (clients see who to call); cached for
    a year when the URL carries its current version."""
    found = photos.staff_photo(user_id) or abort(404)
    stored, version = found
    response = current_app.response_class(stored.image, mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.set_etag(version)
    response.cache_control.private = True
    if request.args.get("v") == version:
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)
