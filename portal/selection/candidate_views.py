"""Candidate pages: staff add and edit candidates (with a CV), record screening steps
and move them on; everyone allowed sees a profile; the admin erases one."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from portal.access import (
    admin_required,
    changes_access,
    get_candidate_cv_or_404,
    get_candidate_or_404,
    get_project_or_404,
    staff_required,
)
from portal.auth.models import User
from portal.content.models import ProcessStep
from portal.content.services import ordered_items
from portal.db import local_today
from portal.extensions import db
from portal.selection import (
    admin_settings,
    erasure,
    interviews,
    pages,
    placements,
    profiles,
    shortlists,
)
from portal.selection.blueprint import bp
from portal.selection.forms import (
    ActForm,
    CandidateForm,
    DecisionForm,
    EraseForm,
    MoveForm,
    ScreeningStepForm,
)
from portal.selection.models import MAX_CV_BYTES, Candidate, CandidateStatus

# A CV may be 10 MB, over the app's body limit for every other form: these routes take that,
# and a little more for the form's other fields.
UPLOAD_LIMIT = MAX_CV_BYTES + 256 * 1024


UPLOAD_ENDPOINTS = {"selection.new", "selection.edit"}


@bp.url_value_preprocessor
def allow_cv_sized_bodies(endpoint: str | None, values: dict | None) -> None:
    """This runs before any before_request (the CSRF check reads the body there), so the CV's
    bigger limit applies to the candidate forms."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_LIMIT


@bp.get("/projects/<int:project_id>/candidates/<int:candidate_id>")
@login_required
def show(project_id: int, candidate_id: int):
    """One candidate's profile; a client's view is recorded (first view for staff) and
    audited. Expired, it shows only that it expired."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    card = pages.card(candidate)
    views = shortlists.first_views([candidate]) if current_user.is_staff else {}
    card.first_viewed_at = views.get(candidate.id)
    decision_form = None if current_user.is_staff else DecisionForm(
        formdata=None, reasons=admin_settings.active_reasons())
    page = render_template("selection/show.html", project=project, card=card,
                           decision_form=decision_form, **_staff_forms(candidate))
    if not card.expired and not current_user.is_staff:
        # Recorded once the page is rendered: committing before would expire everything it
        # reads and load it all again. Staff's views are not recorded.
        shortlists.note_view(candidate, by=current_user)
        db.session.commit()
    return page


def _staff_forms(candidate, **forms) -> dict:
    if not current_user.is_staff:
        return forms
    today = local_today(candidate.project.organization.timezone)
    forms.setdefault("step_form", ScreeningStepForm(
        formdata=None, steps=ordered_items(ProcessStep), passed_on=today))
    forms.setdefault("move_form", MoveForm(formdata=None, status=candidate.status.value))
    forms.setdefault("act_form", ActForm(formdata=None))
    forms["interview_rows"] = interviews.interviews_on(
        select(Candidate).where(Candidate.id == candidate.id), current_user)
    forms["placements"] = placements.placements_of([candidate.project_id], candidate.id)
    return forms


@bp.get("/projects/<int:project_id>/candidates/<int:candidate_id>/cv")
@login_required
def download_cv(project_id: int, candidate_id: int):
    """The CV, only ever as a download; 404 to a client once the presentation expired."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_cv_or_404(project, candidate_id, expired=shortlists.is_expired)
    profiles.note_cv_download(candidate, by=current_user)
    db.session.commit()
    response = current_app.response_class(candidate.cv, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=candidate.cv_filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/staff/projects/<int:project_id>/candidates/new", methods=["GET", "POST"])
@staff_required
def new(project_id: int):
    """Add a candidate to a placement project."""
    project = get_project_or_404(project_id)
    form = CandidateForm(sourced_on=local_today(project.organization.timezone))
    if not form.validate_on_submit():
        return _candidate_form(project, form)
    upload = form.cv_upload()
    try:
        candidate = profiles.add_candidate(project, by=current_user, cv=upload[0] if upload
                                           else None, cv_name=upload[1] if upload else None,
                                           **form.profile())
    except profiles.SelectionError as error:
        db.session.rollback()
        form[error.field].errors = [str(error)]
        return _candidate_form(project, form, 422)
    return _saved(project, candidate, f"{candidate.display_name} added.")


@bp.route("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/edit",
          methods=["GET", "POST"])
@staff_required
def edit(project_id: int, candidate_id: int):
    """Change a candidate's profile, attach or remove the CV."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id)
    form = CandidateForm(obj=candidate)
    if not form.validate_on_submit():
        return _candidate_form(project, form, candidate=candidate)
    upload = form.cv_upload()
    try:
        profiles.edit_candidate(candidate, by=current_user, **form.profile())
        if upload:
            profiles.attach_cv(candidate, upload[0], filename=upload[1], by=current_user)
        elif form.remove_cv.data and candidate.cv_filename:
            profiles.remove_cv(candidate, by=current_user)
    except profiles.SelectionError as error:
        db.session.rollback()
        form[error.field].errors = [str(error)]
        return _candidate_form(project, form, 422, candidate=candidate)
    return _saved(project, candidate, "Saved.")


def _saved(project, candidate, message: str):
    """Commit the change to the candidate, say what it was, and go back to the profile."""
    profile = url_for("selection.show", project_id=project.id, candidate_id=candidate.id)
    db.session.commit()
    flash(message, "success")
    return redirect(profile)


def _candidate_form(project, form, status: int | None = None, candidate=None):
    status = status or (422 if form.is_submitted() else 200)
    return render_template("selection/candidate_form.html", project=project, form=form,
                           candidate=candidate), status


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """A body far over the CV limit cannot even be read: say so, nothing saved."""
    return render_template("errors/error.html", error=RequestEntityTooLarge(
        f"That file is far over the {MAX_CV_BYTES // (1024 * 1024)} MB limit for a CV. "
        "Nothing was saved: go back and choose a smaller PDF.")), 413


@bp.post("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/screening")
@staff_required
def add_step(project_id: int, candidate_id: int):
    """Record a step of the firm's process the candidate passed."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    steps = ordered_items(ProcessStep)
    form = ScreeningStepForm(steps=steps)
    if form.validate_on_submit():
        step = next((s for s in steps if s.id == form.process_step_id.data), None)
        try:
            profiles.add_screening_step(
                candidate, step=step, passed_on=form.passed_on.data, by=current_user,
                run_by=db.session.get(User, form.run_by_id.data) if form.run_by_id.data else None)
        except profiles.SelectionError as error:
            db.session.rollback()
            form[error.field].errors = [str(error)]
        else:
            return _saved(project, candidate, f"{step.title} recorded.")
    return _show_with(project, candidate, step_form=form)


def _show_with(project, candidate, **forms):
    candidate = get_candidate_or_404(project, candidate.id, *pages.CARD_LOADS)
    return render_template("selection/show.html", project=project, card=pages.card(candidate),
                           decision_form=None, **_staff_forms(candidate, **forms)), 422


@bp.post("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/status")
@staff_required
def move(project_id: int, candidate_id: int):
    """Move a candidate on its way, or withdraw it."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            profiles.move_candidate(candidate, CandidateStatus(form.status.data),
                                    by=current_user)
        except profiles.SelectionError as error:
            db.session.rollback()
            form.status.errors = [str(error)]
        else:
            return _saved(project, candidate, f"Now {candidate.status.value}.")
    return _show_with(project, candidate, move_form=form)


@bp.route("/admin/projects/<int:project_id>/candidates/<int:candidate_id>/erase",
          methods=["GET", "POST"])
@admin_required
@changes_access
def erase(project_id: int, candidate_id: int):
    """Erase a candidate's personal data, with the word typed to confirm."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return render_template("selection/erase.html", project=project, candidate=candidate,
                               form=form), 422 if form.is_submitted() else 200
    erasure.erase_candidate(candidate, by=current_user)
    db.session.commit()
    flash("The candidate's personal data is erased; the anonymous counts are kept.", "success")
    return redirect(url_for("selection.candidates", project_id=project.id))
