"""Interviews (staff propose, the client books), placements and check-ins, and the admin's
check-in days. Candidate pages carry `candidate` in their URL."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.access import (
    admin_required,
    get_candidate_or_404,
    get_project_or_404,
    staff_required,
    visible_candidates,
)
from portal.auth.models import User
from portal.extensions import db
from portal.selection import (
    check_in_jobs,  # noqa: F401 (the job joins the worker's list)
    interviews,
    placements,
)
from portal.selection.interviews import InterviewError
from portal.selection.models import Candidate
from portal.selection.placement_forms import (
    BookForm,
    CheckInDaysForm,
    LeftForm,
    OtherTimesForm,
    PlaceForm,
    ProposeForm,
)
from portal.selection.placement_models import InterviewState, Placement
from portal.selection.placements import PlacementError

bp = Blueprint("placements", __name__)


@bp.app_context_processor
def selection_on_pages() -> dict:
    """What the project and account pages show of interviews, placements and check-ins; each
    is looked up only by a page that asks."""
    return {"project_interviews": _project_interviews, "project_placements": _placements_of,
            "check_in_words": placements.check_in_words}


def _project_interviews(project) -> list[interviews.InterviewRow]:
    if not project.has_candidates:  # read with the project: other projects' pages pay nothing
        return []
    return interviews.interviews_on(visible_candidates(current_user, project), current_user)


def _placements_of(project_or_organization) -> list[Placement]:
    if getattr(project_or_organization, "has_candidates", True) is False:
        return []  # a project without candidates has no placements: its page pays nothing
    projects = getattr(project_or_organization, "projects", None)
    ids = [p.id for p in projects] if projects is not None else [project_or_organization.id]
    return placements.placements_of(ids)


def _candidate(project_id: int, candidate_id: int) -> Candidate:
    """The candidate if the current user may see it (portal.access); 404 otherwise."""
    return get_candidate_or_404(get_project_or_404(project_id), candidate_id)


def _back_to(endpoint: str, candidate: Candidate):
    """Redirect to one of the candidate's pages here."""
    return redirect(url_for(f"placements.{endpoint}", project_id=candidate.project_id,
                            candidate_id=candidate.id))


def _book_form(interview, viewer, **kwargs) -> BookForm:
    """The client's choice, each time shown where they are (and where the contact is)."""
    form = BookForm(**kwargs)
    other = interview.contact.effective_timezone if interview.contact else "UTC"
    form.position.choices = [
        SelectChoice(s.position, interviews.slot_times(s.starts_at, viewer.effective_timezone,
                                                       other)) for s in interview.slots]
    return form


def _interview_page(candidate, status: int = 200, **forms):
    interview = interviews.current_interview(candidate)
    if interview is not None and interview.state == InterviewState.PROPOSED:
        forms.setdefault("book_form", _book_form(interview, current_user, formdata=None))
        forms.setdefault("other_form", OtherTimesForm(formdata=None))
    return render_template("selection/interview.html", candidate=candidate,
                           candidate_name=interviews.name_for(candidate, current_user),
                           interview=interview, times=_times(interview), **forms), status


def _times(interview) -> list[str]:
    """The proposed (or booked) times as the viewer reads them."""
    if interview is None:
        return []
    other = (interview.candidate.project.organization.timezone if current_user.is_staff
             else interview.contact.effective_timezone if interview.contact else "UTC")
    moments = [interview.starts_at] if interview.starts_at else [
        s.starts_at for s in interview.slots]
    return [interviews.slot_times(m, current_user.effective_timezone, other) for m in moments]


@bp.get("/projects/<int:project_id>/candidates/<int:candidate_id>/interview")
@login_required
def show_interview(project_id: int, candidate_id: int):
    """The candidate's interview: the proposed times to choose from, or the booked one."""
    return _interview_page(_candidate(project_id, candidate_id))


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/interview/book")
@login_required
def book_interview(project_id: int, candidate_id: int):
    """The client books one of the proposed times."""
    candidate = _candidate(project_id, candidate_id)
    interview = interviews.current_interview(candidate)
    if interview is None or current_user.is_staff:
        flash("Only the client books a proposed time.", "error")
        return _back_to("show_interview", candidate)
    form = _book_form(interview, current_user)
    if not form.validate_on_submit():
        return _interview_page(candidate, 422, book_form=form)
    try:
        interviews.book(interview, position=form.position.data, by=current_user)
    except InterviewError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _interview_page(candidate, 422)
    db.session.commit()
    flash("Booked. The invitation is on its way to you and to your contact.", "success")
    return _back_to("show_interview", candidate)


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/interview/other-times")
@login_required
def ask_other_times(project_id: int, candidate_id: int):
    """None of the times suits the client: they say which would."""
    candidate = _candidate(project_id, candidate_id)
    interview = interviews.current_interview(candidate)
    form = OtherTimesForm()
    if interview is None or current_user.is_staff or not form.validate_on_submit():
        return _interview_page(candidate, 422, other_form=form)
    try:
        interviews.ask_other_times(interview, by=current_user, note=form.note.data)
    except InterviewError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _interview_page(candidate, 422)
    db.session.commit()
    flash("Sent. We will propose other times.", "success")
    return _back_to("show_interview", candidate)


@bp.route("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/interview",
          methods=["GET", "POST"])
@staff_required
def propose_interview(project_id: int, candidate_id: int):
    """Staff propose up to three times, given in the client's timezone."""
    candidate = _candidate(project_id, candidate_id)
    form = ProposeForm()
    zone = interviews.client_zone(candidate)
    if form.validate_on_submit():
        try:
            interviews.propose(candidate, by=current_user, minutes=form.minutes.data,
                               where=form.where.data,
                               starts=[t.replace(tzinfo=zone) for t in form.times()])
        except InterviewError as error:
            db.session.rollback()
            form.slot_1.errors = [*form.slot_1.errors, str(error)]
        else:
            db.session.commit()
            flash("Times proposed: the client chooses one on the candidate's interview page.",
                  "success")
            return _back_to("show_interview", candidate)
    return render_template("selection/propose_interview.html", candidate=candidate, form=form,
                           zone=zone.key), 422 if form.is_submitted() else 200


@bp.route("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement",
          methods=["GET", "POST"])
@staff_required
def place_candidate(project_id: int, candidate_id: int):
    """Mark the candidate placed, or see the placement and its check-ins."""
    candidate = _candidate(project_id, candidate_id)
    placement = db.session.scalars(db.select(Placement).where(
        Placement.candidate_id == candidate.id)).first()
    form = PlaceForm()
    form.hiring_manager_id.choices = [SelectChoice(u.id, f"{u.name} ({u.email})")
                                      for u in placements.hiring_managers(candidate)]
    if placement is None and form.validate_on_submit():
        try:
            placements.place(candidate, by=current_user, starts_on=form.starts_on.data,
                             hiring_manager=db.session.get(User, form.hiring_manager_id.data))
        except PlacementError as error:
            db.session.rollback()
            form.hiring_manager_id.errors = [*form.hiring_manager_id.errors, str(error)]
        else:
            db.session.commit()
            flash(f"{candidate.display_name} is placed; the check-ins are scheduled.", "success")
            return _back_to("place_candidate", candidate)
    return render_template(
        "selection/placement.html", candidate=candidate, placement=placement, form=form,
        left_form=LeftForm(formdata=None), check_in_days=placements.check_in_days(),
    ), 422 if form.is_submitted() else 200


@bp.post("/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement/left")
@staff_required
def record_left(project_id: int, candidate_id: int):
    """The placed person left early: later check-ins are not asked."""
    candidate = _candidate(project_id, candidate_id)
    placement = db.session.scalars(db.select(Placement).where(
        Placement.candidate_id == candidate.id)).first()
    form = LeftForm()
    if placement is not None and form.validate_on_submit():
        try:
            placements.mark_left(placement, by=current_user, left_on=form.left_on.data)
        except PlacementError as error:
            db.session.rollback()
            form.left_on.errors = [*form.left_on.errors, str(error)]
        else:
            db.session.commit()
            flash("Recorded: later check-ins will not be asked.", "success")
            return _back_to("place_candidate", candidate)
    return render_template("selection/placement.html", candidate=candidate, placement=placement,
                           form=PlaceForm(formdata=None), left_form=form,
                           check_in_days=placements.check_in_days()), 422


@bp.route("/admin/check-ins", methods=["GET", "POST"])
@admin_required
def check_in_days():
    """The days into a placement on which the hiring manager is asked."""
    form = CheckInDaysForm(days=",".join(map(str, placements.check_in_days())))
    if form.validate_on_submit():
        try:
            placements.save_check_in_days(form.days.data, by=current_user)
        except PlacementError as error:
            db.session.rollback()
            form.days.errors = [*form.days.errors, str(error)]
        else:
            db.session.commit()
            flash("Saved: placements made from now on are checked on those days.", "success")
            return redirect(url_for("placements.check_in_days"))
    return render_template("selection/check_in_days.html", form=form), (
        422 if form.is_submitted() else 200)
