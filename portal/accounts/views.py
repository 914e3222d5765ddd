"""Staff pages for client organisations and invitations; admin pages for users and roles.
Every page that grants or removes someone's access carries @changes_access."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import (
    admin_required,
    changes_access,
    get_organization_or_404,
    staff_required,
)
from portal.accounts import services
from portal.accounts.forms import (
    EditOrganizationForm,
    InvitationForm,
    OrganizationForm,
    RoleForm,
    UserForm,
)
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth import two_factor
from portal.auth.forms import ButtonForm
from portal.auth.models import Role, User
from portal.concurrency import ChangedMeanwhile
from portal.extensions import db

bp = Blueprint("accounts", __name__)


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
    return render_template("accounts/show.html", organization=organization)


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
    """Invite a person of this client organisation: they get an email to choose a password."""
    organization = get_organization_or_404(organization_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/invite.html", form=form,
                               organization=organization), status
    try:
        user, _ = services.invite_client(
            organization, email=form.email.data, name=form.name.data,
            by=current_user._get_current_object(),
        )
    except auth_services.UserError as error:
        form.email.errors.append(str(error))
        return render_template("accounts/invite.html", form=form, organization=organization), 422
    db.session.commit()
    flash(f"{user.name} is invited: an email is on its way to {user.email} with a link to "
          "choose a password (valid for 7 days).", "success")
    return redirect(url_for("accounts.show_organization", organization_id=organization.id))


@bp.get("/admin/users")
@admin_required
def list_users():
    """Every user, with a switch to stop or allow their sign-in."""
    return render_template("accounts/users.html", users=services.all_users())


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
        except auth_services.UserError as error:
            form.email.errors.append(str(error))
            return render_template("accounts/user_new.html", form=form), 422
        user.job_title, user.phone = form.job_title.data or None, form.phone.data or None
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
