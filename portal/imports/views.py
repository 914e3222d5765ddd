"""/admin/import: upload a CSV file, see what it would do row by row, then confirm it."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.access import admin_required
from portal.extensions import db
from portal.imports import services, uploads
from portal.imports.forms import ConfirmForm, UploadForm
from portal.imports.layouts import KINDS_BY_NAME
from portal.imports.plans import Plan
from portal.imports.reading import MAX_BYTES

bp = Blueprint("imports", __name__)
UPLOAD_ENDPOINTS = {"imports.preview"}


@bp.url_value_preprocessor
def allow_import_sized_bodies(endpoint: str | None, values: dict | None) -> None:
    """An import file may be larger than the app's request limit (2 MB). This runs before any
    before_request (the CSRF check reads the body there), so the bigger limit applies."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_BYTES + 64 * 1024  # the file and the form around it


@bp.errorhandler(RequestEntityTooLarge)
def file_too_large(error: RequestEntityTooLarge):
    """A file far over the limit is refused by its size alone, on the upload form."""
    form = UploadForm(formdata=None)
    form.file.errors = [f"That file is over the {MAX_BYTES // 1024 // 1024} MB an import takes: "
                        "split it into several files. Nothing was saved."]
    return render_template("imports/index.html", form=form, kinds=_kinds_in_order()), 413


def _kinds_in_order() -> list:
    """The kinds in the order a firm imports them: what a row names must exist first."""
    return [KINDS_BY_NAME[name] for name in ("accounts", "contacts", "projects", "milestones")]


@bp.get("/admin/import")
@admin_required
def index():
    """The upload form, the layouts and their templates."""
    return render_template("imports/index.html", form=UploadForm(), kinds=_kinds_in_order())


@bp.post("/admin/import")
@admin_required
def preview():
    """The dry run: what the file would create, change and leave alone; nothing is written."""
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/index.html", form=form, kinds=_kinds_in_order()), 422
    data, filename = form.upload()
    plan = services.plan_import(data, filename=filename)
    token = uploads.keep(data, filename=filename, user_id=current_user.id) if plan.ok else ""
    return _render_preview(plan, token)


SHOWN_ROWS = 500  # of a preview's rows and problems; its counts cover them all
ACTION_WORDS = {"create": "Create", "update": "Change", "unchanged": "Leave as is",
                "error": "Refused"}


def _render_preview(plan: Plan, token: str, *, changed: bool = False, status: int = 200):
    """The plan row by row, its problems, and the confirm button when it can be applied."""
    confirm = ConfirmForm(formdata=None, token=token, digest=plan.digest())
    return render_template("imports/preview.html", plan=plan, confirm=confirm, changed=changed,
                           form=UploadForm(formdata=None), shown_rows=SHOWN_ROWS,
                           ACTION_WORDS=ACTION_WORDS), status


@bp.post("/admin/import/confirm")
@admin_required
def confirm():
    """Apply exactly the plan previewed; if the data changed since, preview it again."""
    form = ConfirmForm()
    kept = uploads.load(form.token.data, user_id=current_user.id) if form.validate() else None
    if kept is None:
        flash("That preview has expired or was already imported: upload the file again.",
              "error")
        return redirect(url_for("imports.index"))
    data, filename = kept
    try:
        plan = services.confirm_import(data, filename=filename, digest=form.digest.data,
                                       by=current_user)
    except services.PlanChanged as changed:
        db.session.rollback()
        new_plan = changed.args[0]
        return _render_preview(new_plan, form.token.data if new_plan.ok else "", changed=True,
                               status=409)
    db.session.commit()
    uploads.discard(form.token.data)
    flash(f"Imported {plan.summary()}.", "success")
    return redirect(url_for("imports.index"))


@bp.get("/admin/import/templates/<kind>.csv")
@admin_required
def template(kind: str):
    """A blank file of one kind: the header line, ready to fill in."""
    spec = KINDS_BY_NAME.get(kind) or abort(404)
    return Response(spec.template(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=import-{spec.name}-template.csv"})

