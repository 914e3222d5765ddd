"""The client's decision on a presented candidate, and staff acting on it."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.access import (
    get_candidate_or_404,
    get_decision_or_404,
    get_project_or_404,
    staff_required,
)
from portal.extensions import db
from portal.selection import admin_settings, decisions, pages, profiles, shortlists
from portal.selection.blueprint import bp
from portal.selection.forms import ActForm, DecisionForm
from portal.selection.models import DecisionKind


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/decision")
@login_required
def decide(project_id: int, candidate_id: int):
    """The client's decision on a presented candidate: invite, not a fit, or a question."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    if current_user.is_staff:
        return redirect(url_for("selection.show", project_id=project.id,
                                candidate_id=candidate.id))
    form = DecisionForm(reasons=admin_settings.active_reasons())
    if form.validate_on_submit():
        choice = decisions.DecisionInput(kind=DecisionKind(form.kind.data),
                                        reason_id=form.reason_id.data, note=form.note.data or "")
        try:
            decisions.decide(candidate, choice, by=current_user)
        except profiles.SelectionError as error:
            db.session.rollback()
            form[error.field].errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Thank you: your decision on {shortlists.client_label(candidate)} is recorded.",
                  "success")
            return redirect(url_for("selection.candidates", project_id=project.id,
                                    _anchor=f"candidate-{candidate.id}"))
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    return render_template("selection/show.html", project=project, card=pages.card(candidate),
                           decision_form=form), 422


@bp.post("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/decisions/"
         "<int:decision_id>/act")
@staff_required
def act(project_id: int, candidate_id: int, decision_id: int):
    """Staff acted on the client's decision: from now on it cannot be changed."""
    project = get_project_or_404(project_id)
    candidate = get_candidate_or_404(project, candidate_id, *pages.CARD_LOADS)
    decision = get_decision_or_404(candidate, decision_id)
    if ActForm().validate_on_submit():
        with pages.flashed("Marked as acted on: the client can no longer change it."):
            decisions.act_on_decision(decision, by=current_user)
    return redirect(url_for("selection.candidates", project_id=project.id,
                            _anchor=f"candidate-{candidate.id}"))
