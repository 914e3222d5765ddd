"""Admin pages for project templates at /admin/project-templates."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import admin_required
from portal.concurrency import ChangedMeanwhile, DeletedMeanwhile
from portal.extensions import db
from portal.project_templates import services
from portal.project_templates.forms import TemplateForm
from portal.project_templates.models import MAX_MILESTONES, ProjectTemplate

bp = Blueprint("project_templates", __name__)


@bp.get("/admin/project-templates")
@admin_required
def index():
    """Every template with its milestones, and the ways to start a new one."""
    return render_template("project_templates/index.html",
                           templates=services.all_templates())


@bp.route("/admin/project-templates/new", methods=["GET", "POST"])
@admin_required
def new():
    """A new template; `?from=process` fills it with the firm's recruiting process steps."""
    form = TemplateForm()
    if request.args.get("from") == "process" and not form.is_submitted():
        form.name.data = "Permanent placement"
        form.fill(plans=services.process_step_plans())
    else:
        form.fill()
    if not form.validate_on_submit():
        return _render_form(form, None)
    try:
        template = services.save_template(None, by=current_user, **_fields(form))
    except services.TemplateError as error:
        form.name.errors.append(str(error))
        return _render_form(form, None)
    name = template.name
    db.session.commit()
    flash(f"Template “{name}” saved.", "success")
    return redirect(url_for("project_templates.index"))


@bp.route("/admin/project-templates/<int:template_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(template_id: int):
    """Change a template; an edit opened before another admin's save is refused (409)."""
    template = db.session.get(ProjectTemplate, template_id)
    form = TemplateForm(obj=template)
    if template is None:
        if not form.is_submitted():
            abort(404)
        return _render_form(form, None, deleted=True)
    form.opened_on(services.template_version(template))
    form.fill(template)
    if not form.validate_on_submit():
        return _render_form(form, template)
    try:
        services.save_template(template, by=current_user, seen=form.seen_version(),
                               **_fields(form))
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _render_form(form, db.session.get(ProjectTemplate, template_id), changed=changed)
    except DeletedMeanwhile:
        db.session.rollback()
        return _render_form(form, None, deleted=True)
    except services.TemplateError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return _render_form(form, db.session.get(ProjectTemplate, template_id))
    name = template.name
    db.session.commit()
    flash(f"Template “{name}” saved.", "success")
    return redirect(url_for("project_templates.index"))


@bp.post("/admin/project-templates/<int:template_id>/delete")
@admin_required
def delete(template_id: int):
    """Remove a template; projects started from it keep their milestones."""
    template = db.session.get(ProjectTemplate, template_id)
    if template is None:
        flash("That template was already deleted by someone else.", "info")
        return redirect(url_for("project_templates.index"))
    name = template.name
    services.delete_template(template, by=current_user)
    db.session.commit()
    flash(f"Template “{name}” deleted.", "success")
    return redirect(url_for("project_templates.index"))


def _fields(form: TemplateForm) -> dict:
    return {"name": form.name.data, "description": form.description.data or "",
            "update_cadence_days": form.update_cadence_days.data, "milestones": form.plans()}


def _render_form(form: TemplateForm, template: ProjectTemplate | None, *,
                 changed: ChangedMeanwhile | None = None, deleted: bool = False):
    """The form; 409 when it came back stale, 422 with errors."""
    status = 409 if changed or deleted else 422 if form.errors else 200
    return render_template("project_templates/form.html", form=form, template=template,
                           changed=changed, deleted=deleted,
                           max_milestones=MAX_MILESTONES), status
