"""The shortlist page: the candidates as cards (polled while open), and staff presenting
them to the client."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.access import get_project_or_404, get_project_version_or_404, staff_required
from portal.extensions import db
from portal.selection import admin_settings, pages, profiles, shortlists
from portal.selection.blueprint import bp
from portal.selection.forms import ActForm, DecisionForm, ShortlistForm
from portal.web.live import live_fragment, polling


def _list_page(project, status: int = 200, **forms):
    cards = pages.project_cards(project)
    reasons = admin_settings.active_reasons()
    if current_user.is_staff:
        forms.setdefault("shortlist_form", _shortlist_form(cards))
        forms.setdefault("act_form", ActForm(formdata=None))
    else:
        forms.setdefault("decision_form", DecisionForm(formdata=None, reasons=reasons))
    return render_template(
        "selection/candidates.html", project=project, cards=cards,
        live=_live_part(project, cards, reasons, **forms), version=pages.live_version(project),
        **forms), status


def _shortlist_form(cards, formdata=None) -> ShortlistForm:
    form = ShortlistForm(formdata=formdata)
    form.candidate_ids.choices = [(c.candidate.id, c.label) for c in pages.presentable(cards)]
    return form


def _live_part(project, cards, reasons, **forms) -> Markup:
    html = render_template("selection/_cards.html", project=project, cards=cards,
                           decision_form=forms.get("decision_form"),
                           act_form=forms.get("act_form"), reasons=reasons)
    return Markup(html)  # noqa: S704 (our own template's output, escaped by Jinja)


@bp.get("/projects/<int:project_id>/candidates")
@login_required
def candidates(project_id: int):
    """The shortlist page: the presented candidates as cards, side by side, with the client's
    decisions (staff see every candidate, its state and when the client first viewed it)."""
    return _list_page(get_project_or_404(project_id))


@bp.get("/projects/<int:project_id>/candidates/live")
@login_required
@polling
def live(project_id: int):
    """The candidate cards, polled by the open page: decisions show to staff at once."""
    get_project_version_or_404(project_id)
    project = get_project_or_404(project_id)
    def render() -> Markup:
        reasons = admin_settings.active_reasons()
        forms = ({"act_form": ActForm(formdata=None)} if current_user.is_staff else
                 {"decision_form": DecisionForm(formdata=None, reasons=reasons)})
        return _live_part(project, pages.project_cards(project), reasons, **forms)

    return live_fragment(pages.live_version(project), render)


@bp.post("/staff/projects/<int:project_id>/candidate-shortlists")
@staff_required
def present(project_id: int):
    """Present the chosen candidates at once: one email to the client's contacts."""
    project = get_project_or_404(project_id)
    cards = pages.project_cards(project)
    form = _shortlist_form(cards, formdata=request.form)
    if form.validate_on_submit():
        chosen = [c.candidate for c in cards if c.candidate.id in form.candidate_ids.data]
        try:
            shortlist = shortlists.present_shortlist(project, chosen, by=current_user)
        except profiles.SelectionError as error:
            db.session.rollback()
            form.candidate_ids.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Presented: {shortlists.shortlist_subject(len(shortlist.entries), project.name)}"
                  ". The client's contacts were emailed a link.", "success")
            return redirect(url_for("selection.candidates", project_id=project.id))
    return _list_page(get_project_or_404(project_id), 422, shortlist_form=form)
