"""The project page for clients and staff; staff forms to open projects and publish updates."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.access import (
    get_organization_or_404,
    get_project_or_404,
    get_question_or_404,
    staff_required,
)
from portal.auth.models import User
from portal.db import local_today
from portal.extensions import db
from portal.live import live_fragment
from portal.projects import funnel, pages, questions, services
from portal.projects.forms import (
    FunnelForm,
    MilestoneForm,
    ProjectForm,
    QuestionForm,
    ReplyForm,
    UpdateForm,
)
from portal.projects.models import Confidence, QuestionKind

bp = Blueprint("projects", __name__)


def _staff_member(user_id: int) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def _form_status(form) -> int:
    return 422 if form.is_submitted() else 200


def _render_page(project, status: int = 200, **forms):
    """The project page with its forms; a form with errors replaces the blank one."""
    forms.setdefault("question_form", QuestionForm())
    forms.setdefault("reply_form", ReplyForm())
    if current_user.is_staff:
        forms.setdefault("milestone_form", MilestoneForm())
        today = local_today(project.organization.timezone)
        forms.setdefault("funnel_form", FunnelForm(as_of=today))
    return render_template(
        "projects/show.html", **forms, **pages.project_page(project)
    ), status


@bp.get("/projects/<int:project_id>")
@login_required
def show(project_id: int):
    """Where the project stands: status, ETA, milestones with their owners, and the updates."""
    return _render_page(get_project_or_404(project_id))


@bp.post("/projects/<int:project_id>/questions")
@login_required
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
def live(project_id: int):
    """The changing part of the project page, polled by the open page; 304 when unchanged."""
    project = get_project_or_404(project_id)
    return live_fragment(
        pages.live_version(project),
        lambda: render_template("projects/_live.html", **pages.project_page(project)),
    )


@bp.route("/staff/projects/new", methods=["GET", "POST"])
@staff_required
def new():
    """Open a project for a client organisation."""
    form = ProjectForm(organization_id=request.args.get("organization_id", type=int))
    if not form.validate_on_submit():
        return render_template("projects/new.html", form=form), _form_status(form)
    organization = get_organization_or_404(form.organization_id.data)
    try:
        project = services.create_project(
            organization, name=form.name.data, summary=form.summary.data,
            contact=_staff_member(form.contact_id.data),
            update_cadence_days=form.update_cadence_days.data, eta=form.eta.data,
            eta_confidence=Confidence(form.eta_confidence.data), started_on=form.started_on.data,
        )
    except services.ProjectError as error:
        field = error.field if error.field in ("name", "eta") else "name"
        getattr(form, field).errors.append(str(error))
        return render_template("projects/new.html", form=form), 422
    db.session.commit()
    flash(f"{project.name} is open. Add its milestones.", "success")
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


@bp.route("/staff/projects/<int:project_id>/updates/new", methods=["GET", "POST"])
@staff_required
def publish(project_id: int):
    """Publish a status update to the client; moving the ETA later needs a reason."""
    project = get_project_or_404(project_id)
    form = UpdateForm(
        status=project.status.value, eta=project.eta, eta_confidence=project.eta_confidence.value
    )
    if not form.validate_on_submit():
        return render_template("projects/publish.html", form=form, project=project), (
            _form_status(form)
        )
    try:
        services.publish_update(project, author=current_user, **form.data_for_service())
    except services.ProjectError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return render_template("projects/publish.html", form=form, project=project), 422
    db.session.commit()
    flash("Update published.", "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/funnel")
@staff_required
def record_funnel(project_id: int):
    """Record how many candidates reached each stage of the selection funnel."""
    project = get_project_or_404(project_id)
    form = FunnelForm()
    if not form.validate_on_submit():
        return _render_page(project, 422, funnel_form=form)
    try:
        funnel.record_funnel(project, counts=form.counts(), on=form.as_of.data)
    except services.ProjectError as error:
        getattr(form, error.field).errors.append(str(error))
        return _render_page(project, 422, funnel_form=form)
    db.session.commit()
    flash("Selection funnel updated.", "success")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="funnel"))
