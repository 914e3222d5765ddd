"""Staff pages that keep a project true after it opened: edit its details, shift its plan,
archive and restore it (staff only: 404 to anyone else)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import get_project_or_404, staff_required
from portal.auth.forms import ButtonForm
from portal.auth.models import User
from portal.concurrency import ChangedMeanwhile
from portal.extensions import db
from portal.projects import editing, services
from portal.projects.forms import EditProjectForm, ShiftPlanForm
from portal.projects.models import Project

bp = Blueprint("project_editing", __name__)


def _page(template: str, project: Project, form, status: int = 200, changed=None):
    return render_template(template, form=form, project=project, changed=changed,
                           archive_form=ButtonForm()), status


@bp.route("/staff/projects/<int:project_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(project_id: int):
    """Change a project's name, description, contact person and update cadence."""
    project = get_project_or_404(project_id)
    form = EditProjectForm(obj=project, contact_id=project.contact_id or 0)
    form.opened_on(editing.details_version(project))
    template = "projects/edit.html"
    if not form.validate_on_submit():
        return _page(template, project, form, 422 if form.is_submitted() else 200)
    contact = db.session.get(User, form.contact_id.data) if form.contact_id.data else None
    try:
        changes = editing.edit_project(
            project, name=form.name.data, summary=form.summary.data or "", contact=contact,
            update_cadence_days=form.update_cadence_days.data, by=current_user,
            seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _page(template, project, form, 409, changed=changed)
    except services.ProjectError as error:
        db.session.rollback()
        getattr(form, error.field, form.name).errors.append(str(error))
        return _page(template, project, form, 422)
    db.session.commit()
    flash("Project saved." if changes else "Nothing changed.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.route("/staff/projects/<int:project_id>/shift", methods=["GET", "POST"])
@staff_required
def shift_plan(project_id: int):
    """Move the ETA and every open milestone by the same number of days, with one reason."""
    project = get_project_or_404(project_id)
    form = ShiftPlanForm()
    form.opened_on(services.plan_version(project))
    template = "projects/shift_plan.html"
    if not form.validate_on_submit():
        return _page(template, project, form, 422 if form.is_submitted() else 200)
    try:
        editing.shift_plan(project, days=form.days.data, working_days=form.working_days.data,
                           reason=form.reason.data, by=current_user, seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _page(template, project, form, 409, changed=changed)
    except services.ProjectError as error:
        db.session.rollback()
        field = form.reason if isinstance(error, services.EtaReasonRequired) else form.days
        field.errors.append(str(error))
        return _page(template, project, form, 422)
    db.session.commit()
    flash("The plan moved; the client sees one update and each new date with your reason.",
          "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/<any(archive, restore):action>")
@staff_required
def archive(project_id: int, action: str):
    """Archive a project (gone from its client's dashboard and staff lists) or restore it."""
    project = get_project_or_404(project_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if action == "archive":
        editing.archive_project(project, by=current_user)
        message = f"{project.name} is archived: its client no longer sees it."
    else:
        editing.restore_project(project, by=current_user)
        message = f"{project.name} is restored: its client sees it again."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("projects.show", project_id=project.id))
