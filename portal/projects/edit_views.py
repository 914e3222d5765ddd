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


@bp.post("/staff/projects/<int:project_id>/archive")
@staff_required
def archive(project_id: int):
    """Take a project off its client's dashboard and the staff lists; nothing is deleted."""
    project = _pressed(project_id)
    editing.archive_project(project, by=current_user)
    db.session.commit()
    flash(f"{project.name} is archived: its client no longer sees it.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/restore")
@staff_required
def restore(project_id: int):
    """Bring an archived project back to its client and the staff lists."""
    project = _pressed(project_id)
    editing.restore_project(project, by=current_user)
    db.session.commit()
    flash(f"{project.name} is restored: its client sees it again.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


def _pressed(project_id: int) -> Project:
    """The project whose archive or restore button was pressed (with its CSRF token)."""
    project = get_project_or_404(project_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return project
