"""Staff close a finished project out; the client reads the closeout and downloads its PDF."""

import re
import unicodedata

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from portal.access import get_project_or_404, get_published_closeout_or_404, staff_required
from portal.auth.limits import pdf_limited
from portal.auth.models import User
from portal.closeout import jobs, services
from portal.closeout.forms import CloseoutForm
from portal.closeout.report import closeout_report
from portal.concurrency import ChangedMeanwhile
from portal.db import local_today
from portal.extensions import db
from portal.pdf import PdfRenderFailed
from portal.projects.models import Project
from portal.web.markdown import render_markdown

bp = Blueprint("closeout", __name__)

MARKDOWN_FIELDS = ("summary", "outcomes", "lessons", "care_next_steps")


@bp.route("/staff/projects/<int:project_id>/closeout", methods=["GET", "POST"])
@staff_required
def edit(project_id: int):
    """Close a finished project out, or edit its closeout; Preview shows it and saves nothing."""
    project = get_project_or_404(project_id)
    closeout = project.closeout
    form = CloseoutForm(
        obj=closeout, care_contact_id=closeout.care_contact_id if closeout else 0,
        delivered_on=local_today(project.organization.timezone),
    )
    form.opened_on(services.closeout_version(closeout))
    if not form.validate_on_submit() or form.preview.data:
        return _render_form(project, form)
    contact = db.session.get(User, form.care_contact_id.data)
    try:
        if closeout is None:
            services.publish_closeout(
                project, care_contact=contact, delivered_on=form.delivered_on.data,
                by=current_user, seen=form.seen_version(), **form.text_for_service(),
            )
            message = "Closeout published: the client can read it and download the PDF."
        elif services.edit_closeout(closeout, care_contact=contact, by=current_user,
                                    seen=form.seen_version(), **form.text_for_service()):
            message = "Closeout saved: the client sees the change, and the PDF is renewed."
        else:
            message = "Nothing had changed."
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _render_form(project, form, changed=changed)
    except services.CloseoutError as error:
        db.session.rollback()
        errors = getattr(form, error.field).errors if error.field else form.form_errors
        errors.append(str(error))
        return _render_form(project, form)
    db.session.commit()
    jobs.render_pdf_soon(project.closeout.id)
    flash(message, "success")
    return redirect(url_for("closeout.show", project_id=project.id))


def _render_form(project: Project, form: CloseoutForm, changed: ChangedMeanwhile | None = None):
    """The form, with a sanitised preview when Preview was pressed; 422 when it had errors,
    409 when it came back because the closeout changed meanwhile."""
    preview = None
    if form.is_submitted() and form.preview.data:
        preview = {name: render_markdown(getattr(form, name).data) for name in MARKDOWN_FIELDS}
        preview["care_contact"] = db.session.get(User, form.care_contact_id.data or 0)
    status = 409 if changed else 422 if form.errors else 200
    return render_template(
        "closeout/edit.html", form=form, project=project, closeout=project.closeout,
        preview=preview, finished=services.is_finished(project), changed=changed,
    ), status


@bp.get("/projects/<int:project_id>/closeout")
@login_required
def show(project_id: int):
    """The closeout: what was delivered, against the plan, and who looks after the client now."""
    project = get_project_or_404(project_id)
    closeout = get_published_closeout_or_404(project)
    return render_template("closeout/show.html", **closeout_report(closeout))


@bp.get("/projects/<int:project_id>/closeout.pdf")
@login_required
@pdf_limited
def download(project_id: int):
    """The closeout as a PDF: the cached one when current, else rendered now within the render
    limits (never a failure because a background job has not run yet)."""
    project = get_project_or_404(project_id)
    closeout = get_published_closeout_or_404(project)
    try:
        pdf = services.closeout_pdf(closeout)
    except PdfRenderFailed as error:
        # Not queued again: the job has the same limits, and a document past them stays so.
        current_app.logger.error("closeout %s: %s", closeout.id, error)
        db.session.rollback()
        return render_template("closeout/pdf_unavailable.html", project=project), 503
    try:
        db.session.commit()
    except SQLAlchemyError:
        # Keeping the PDF is an optimisation: the client still gets the one just rendered.
        db.session.rollback()
        current_app.logger.warning("could not keep the PDF of closeout %s", closeout.id)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=pdf_filename(project))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def pdf_filename(project: Project) -> str:
    """A plain ASCII file name from the project's name: 'network-refresh-closeout.pdf'."""
    ascii_name = unicodedata.normalize("NFKD", project.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'project'}-closeout.pdf"
