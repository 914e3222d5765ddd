"""The project page for clients and staff; staff forms to open projects and publish updates."""

import math
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import RequestLimit
from flask_login import current_user, login_required

from portal.access import (
    get_milestone_or_404,
    get_organization_or_404,
    get_project_or_404,
    get_project_version_or_404,
    get_question_or_404,
    get_update_or_404,
    sees_internal_notes,
    staff_required,
)
from portal.auth.limits import note_lockout, user_key
from portal.auth.models import User
from portal.concurrency import ChangedMeanwhile
from portal.db import database_id, local_today
from portal.extensions import db, limiter
from portal.project_templates import services as template_services
from portal.project_templates.models import ProjectTemplate
from portal.projects import funnel, milestones, pages, questions, services
from portal.projects.forms import (
    DeleteMilestoneForm,
    EditMilestoneForm,
    EditUpdateForm,
    FunnelForm,
    MilestoneForm,
    ProjectForm,
    QuestionForm,
    ReplyForm,
    UpdateForm,
)
from portal.projects.models import Confidence, Milestone, QuestionKind
from portal.pulses import services as pulses
from portal.web.live import live_fragment, polling
from portal.web.markdown import render_markdown, render_uncached

bp = Blueprint("projects", __name__)
bp.add_app_template_global(sees_internal_notes)  # the live part shows staff the notes

MAX_PREVIEW = 20_000  # characters: the longest update body the publish form takes


def _staff_member(user_id: int) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def _form_status(form) -> int:
    return 422 if form.is_submitted() else 200


def _render_page(project, status: int = 200, **forms):
    """The project page with its forms; a form with errors replaces the blank one (blank
    even on a POST: a refused question's text belongs in its own form, not every reply box)."""
    forms.setdefault("question_form", QuestionForm(formdata=None))
    forms.setdefault("reply_form", ReplyForm(formdata=None))
    if current_user.is_staff:
        forms.setdefault("milestone_form", MilestoneForm(formdata=None))
        today = local_today(project.organization.timezone)
        if not funnel.has_candidates(project):  # else the funnel is computed from them
            forms.setdefault("funnel_form", FunnelForm(formdata=None, as_of=today))
    all_updates = request.args.get("updates") == "all"
    live_head, live_body = pages.live_halves(project, all_updates=all_updates)
    return render_template(
        "projects/show.html", **forms, project=project, all_updates=all_updates,
        version=pages.live_version(project.id, project.version),
        live_head=live_head, live_body=live_body,
        questions=pages.questions_part(project, forms["reply_form"]),
    ), status


def _message_limit_reached(request_limit: RequestLimit) -> Response:
    """The page back (429) with what the client wrote kept in the form, and when to send it."""
    note_lockout(request_limit)
    project = get_project_or_404(request.view_args["project_id"])
    seconds = max(1, math.ceil(request_limit.reset_at - time.time()))
    minutes = max(1, round(seconds / 60))
    form = ReplyForm() if request.endpoint == "projects.reply" else QuestionForm()
    limit = request_limit.limit
    window = limit.GRANULARITY.name if limit.multiples == 1 else (
        f"{limit.multiples} {limit.GRANULARITY.name}s")
    form.body.errors = [
        f"Not sent: you have sent {limit.amount} message{'s' if limit.amount > 1 else ''} "
        f"this {window}, the most we take, as "
        f"each one emails your account team. What you wrote is kept here: send it again in "
        f"{minutes} minute{'s' if minutes > 1 else ''}."]
    name = "reply_form" if isinstance(form, ReplyForm) else "question_form"
    response = make_response(_render_page(project, 429, **{name: form}))
    response.headers["Retry-After"] = str(seconds)
    return response


# Each question or reply a client sends emails the account owner: counted per user (sent
# ones only), questions and replies together; staff answering are not limited.
message_limited = limiter.shared_limit(
    lambda: current_app.config["MESSAGE_LIMIT_PER_USER"], scope="client-messages",
    key_func=user_key, methods=["POST"], deduct_when=lambda response: response.status_code == 302,
    exempt_when=lambda: current_user.is_authenticated and current_user.is_staff,
    on_breach=_message_limit_reached, override_defaults=False,
)


@bp.get("/projects/<int:project_id>")
@login_required
def show(project_id: int):
    """Where the project stands: status, ETA, milestones with their owners, and the updates."""
    return _render_page(get_project_or_404(project_id, *pages.page_loads()))


@bp.post("/projects/<int:project_id>/questions")
@login_required
@message_limited
def ask(project_id: int):
    """Ask a question or raise a concern on the project."""
    project = get_project_or_404(project_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _render_page(project, 422, question_form=form)
    try:
        questions.ask_question(project, author=current_user, body=form.body.data,
                               kind=QuestionKind(form.kind.data))
    except services.ProjectError as error:
        form.body.errors.append(str(error))
        return _render_page(project, 422, question_form=form)
    db.session.commit()
    flash("Sent. We will answer on this page and tell you by email.", "success")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="questions"))


@bp.post("/projects/<int:project_id>/questions/<int:question_id>/replies")
@login_required
@message_limited
def reply(project_id: int, question_id: int):
    """Reply in a question's thread."""
    project = get_project_or_404(project_id)
    question = get_question_or_404(project, question_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_page(project, 422, reply_form=form)
    try:
        questions.reply_to(question, author=current_user, body=form.body.data)
    except services.ProjectError as error:
        form.body.errors.append(str(error))
        return _render_page(project, 422, reply_form=form)
    db.session.commit()
    flash("Reply sent.", "success")
    return redirect(url_for("projects.show", project_id=project.id,
                            _anchor=f"question-{question.id}"))


@bp.get("/projects/<int:project_id>/live")
@login_required
@polling
def live(project_id: int):
    """The changing parts of the project page (`part=head`: the summary at the top; else the
    rest), polled by the open page; 304 when unchanged."""
    version = get_project_version_or_404(project_id)  # all a 304 needs
    all_updates = request.args.get("updates") == "all"
    half = 0 if request.args.get("part") == "head" else 1
    return live_fragment(
        pages.live_version(project_id, version),
        lambda: pages.live_halves(get_project_or_404(project_id), all_updates=all_updates)[half],
    )


@bp.route("/staff/projects/new", methods=["GET", "POST"])
@staff_required
def new():
    """Open a project for a client organisation."""
    form = ProjectForm(organization_id=request.args.get("organization_id", type=database_id))
    if not form.validate_on_submit():
        return render_template("projects/new.html", form=form), _form_status(form)
    organization = get_organization_or_404(form.organization_id.data)
    template = db.session.get(ProjectTemplate, form.template_id.data or 0)
    if form.template_id.data and template is None:
        form.template_id.errors.append("That template was deleted meanwhile: choose another.")
        return render_template("projects/new.html", form=form), 422
    try:
        project = services.create_project(
            organization, name=form.name.data, summary=form.summary.data,
            contact=_staff_member(form.contact_id.data),
            update_cadence_days=(template.update_cadence_days if template
                                 else form.update_cadence_days.data),
            eta=form.eta.data, eta_confidence=Confidence(form.eta_confidence.data),
            started_on=form.started_on.data, by=current_user,
        )
    except services.ProjectError as error:
        field = error.field if error.field in ("name", "eta") else "name"
        getattr(form, field).errors.append(str(error))
        return render_template("projects/new.html", form=form), 422
    if template is not None:
        template_services.start_from_template(
            project, template, by=current_user,
            start=form.started_on.data or local_today(organization.timezone))
    db.session.commit()
    flash(f"{project.name} is open. " + ("Check its milestones' dates and owners." if template
                                         else "Add its milestones."), "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/milestones")
@staff_required
def add_milestone(project_id: int):
    """Add a milestone with its owner and planned date."""
    project = get_project_or_404(project_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        return _render_page(project, 422, milestone_form=form)
    services.add_milestone(
        project, title=form.title.data, owner=_staff_member(form.owner_id.data),
        planned_on=form.planned_on.data,
    )
    db.session.commit()
    flash("Milestone added.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


def _update_form(project) -> UpdateForm:
    """The publish form, started from the author's draft if they saved one."""
    draft = services.draft_of(project, current_user)
    source = draft or project
    open_milestones = [m for m in project.milestones if not m.is_done]
    form = UpdateForm(
        status=source.status.value, eta=source.eta, eta_confidence=source.eta_confidence.value,
        body=draft.body if draft else "", reason=draft.reason if draft else "",
        internal_note=draft.internal_note if draft else "",
        ask_feedback=draft.ask_feedback if draft else False,
        milestones=[{"milestone_id": m.id, "owner_id": m.owner_id or 0} for m in open_milestones],
    )
    form.opened_on(services.plan_version(project))
    return form


def _publish_page(project, form, status: int = 200, preview=None, changed=None):
    by_id = {m.id: m for m in project.milestones}
    rows = [(entry, by_id[int(entry.milestone_id.data)]) for entry in form.milestones
            if int(entry.milestone_id.data) in by_id]  # one deleted meanwhile is not shown
    draft = services.draft_of(project, current_user)
    return render_template("projects/publish.html", form=form, project=project,
                           milestone_rows=rows, preview=preview, draft=draft,
                           changed=changed), status


@bp.route("/staff/projects/<int:project_id>/updates/new", methods=["GET", "POST"])
@staff_required
def publish(project_id: int):
    """Write, preview, save as draft or publish an update, with its ETA and milestone changes."""
    project = get_project_or_404(project_id)
    form = _update_form(project)
    if form.is_submitted() and not form.keep_known_milestones(project.milestones):
        return _publish_page(project, form, 422)
    action = request.form.get("action", "publish")
    if not form.validate_on_submit():
        return _publish_page(project, form, _form_status(form))
    if action == "preview":
        return _publish_page(project, form, preview=render_markdown(form.body.data))
    try:
        if action == "draft":
            services.save_draft(project, author=current_user, **form.data_for_service())
            message = "Draft saved: the client sees nothing yet."
        else:
            update = services.publish_update(project, author=current_user,
                                             seen=form.seen_version(),
                                             milestones=form.milestone_changes(),
                                             **form.data_for_service())
            message = " ".join(["Update published."] + (
                [pulses.feedback_asked(update)] if update.ask_feedback else []))
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _publish_page(project, form, 409, changed=changed)
    except services.ProjectError as error:
        db.session.rollback()
        entry = form.milestone_entry(error.milestone_id)
        target = form if entry is None else entry
        getattr(target, error.field, form.body).errors.append(str(error))
        return _publish_page(project, form, 422)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/draft/discard")
@staff_required
def discard_draft(project_id: int):
    """Throw away the author's draft for this project."""
    project = get_project_or_404(project_id)
    services.discard_draft(project, author=current_user)
    db.session.commit()
    flash("Draft discarded.", "success")
    return redirect(url_for("projects.publish", project_id=project.id))


@bp.route("/staff/updates/<int:update_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_update(update_id: int):
    """Correct a published update; the client sees it marked as edited."""
    update = get_update_or_404(update_id)
    form = EditUpdateForm(obj=update)
    form.opened_on(services.correction_version(update))
    if not form.validate_on_submit():
        return render_template("projects/edit_update.html", form=form, update=update), (
            _form_status(form)
        )
    try:
        services.edit_update(update, editor=current_user, body=form.body.data,
                             internal_note=form.internal_note.data, seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return render_template("projects/edit_update.html", form=form, update=update,
                               changed=changed), 409
    except services.ProjectError as error:
        form.body.errors.append(str(error))
        return render_template("projects/edit_update.html", form=form, update=update), 422
    db.session.commit()
    flash("Update corrected; the earlier text is kept.", "success")
    return redirect(url_for("projects.show", project_id=update.project_id))


@bp.post("/staff/preview")
@staff_required
def preview():
    """Markdown as the client will see it, for the live preview beside the publish form."""
    return render_uncached(request.form.get("body", "")[:MAX_PREVIEW])


@bp.post("/staff/projects/<int:project_id>/funnel")
@staff_required
def record_funnel(project_id: int):
    """Record how many candidates reached each stage of the selection funnel."""
    project = get_project_or_404(project_id)
    form = FunnelForm()
    if not form.validate_on_submit():
        return _render_page(project, 422, funnel_form=form)
    try:
        funnel.record_funnel(project, counts=form.counts(), on=form.as_of.data, by=current_user)
    except services.ProjectError as error:
        getattr(form, error.field).errors.append(str(error))
        return _render_page(project, 422, funnel_form=form)
    db.session.commit()
    flash("Selection funnel updated.", "success")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="funnel"))


MILESTONE_URL = "/staff/projects/<int:project_id>/milestones/<int:milestone_id>"


def _milestone_page(template: str, milestone: Milestone, form, status: int = 200):
    return render_template(template, form=form, milestone=milestone, project=milestone.project,
                           eta_moves=milestones.eta_moves(milestone)), status


def _after_a_stale_submit(project_id: int, milestone_id: int, form, template: str):
    """The form again over the milestone as it is now (the typed title kept), or the project
    page if it has been deleted meanwhile."""
    db.session.rollback()
    current = db.session.get(Milestone, milestone_id)
    if current is None:
        flash("This milestone was deleted while you were editing it.", "warning")
        return redirect(url_for("projects.show", project_id=project_id))
    form.stamp.data = milestones.milestone_stamp(current)
    return _milestone_page(template, current, form, 409)


@bp.route(f"{MILESTONE_URL}/edit", methods=["GET", "POST"])
@staff_required
def edit_milestone(project_id: int, milestone_id: int):
    """Change a milestone's title, owner or place; refused if it changed since the form was
    shown."""
    project = get_project_or_404(project_id)
    milestone = get_milestone_or_404(project, milestone_id)
    form = EditMilestoneForm(title=milestone.title, owner_id=milestone.owner_id or 0,
                             place=project.milestones.index(milestone) + 1,
                             stamp=milestones.milestone_stamp(milestone))
    template = "projects/edit_milestone.html"
    if not form.validate_on_submit():
        return _milestone_page(template, milestone, form, _form_status(form))
    try:
        milestones.edit_milestone(milestone, title=form.title.data, stamp=form.stamp.data,
                                  owner=_staff_member(form.owner_id.data),
                                  place=form.place.data, by=current_user)
    except milestones.MilestoneChanged as error:
        form.title.errors.append(str(error))
        return _after_a_stale_submit(project.id, milestone_id, form, template)
    except services.ProjectError as error:
        db.session.rollback()
        getattr(form, error.field, form.title).errors.append(str(error))
        return _milestone_page(template, milestone, form, 422)
    db.session.commit()
    flash("Milestone saved.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.route(f"{MILESTONE_URL}/delete", methods=["GET", "POST"])
@staff_required
def delete_milestone(project_id: int, milestone_id: int):
    """Confirm, then delete an open milestone with nothing recorded against it."""
    project = get_project_or_404(project_id)
    milestone = get_milestone_or_404(project, milestone_id)
    form = DeleteMilestoneForm(stamp=milestones.milestone_stamp(milestone))
    template = "projects/delete_milestone.html"
    if not form.validate_on_submit():
        return _milestone_page(template, milestone, form, _form_status(form))
    try:
        milestones.delete_milestone(milestone, stamp=form.stamp.data, by=current_user)
    except milestones.MilestoneChanged as error:
        form.form_errors.append(str(error))
        return _after_a_stale_submit(project.id, milestone_id, form, template)
    except services.ProjectError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _milestone_page(template, milestone, form, 422)
    db.session.commit()
    flash(f"Milestone deleted: {milestone.title}.", "success")
    return redirect(url_for("projects.show", project_id=project.id))
