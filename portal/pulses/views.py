"""Answering a pulse (by token, no sign-in), the staff reports and follow-ups, and the
admin's templates, reminder days and quiet hours."""

from dataclasses import asdict

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from portal.access import admin_required, staff_required
from portal.audit import services as audit
from portal.auth.limits import pulse_answer_limited
from portal.concurrency import ChangedMeanwhile
from portal.db import database_id, utcnow
from portal.extensions import db
from portal.notifications import quiet_hours
from portal.pulses import history, loop, loop_figures, reports, services, values
from portal.pulses.charts import trend_figure
from portal.pulses.forms import (
    SCALE_WORDS,
    AskSettingsForm,
    CloseForm,
    FixForm,
    ReportForm,
    ResolveForm,
    TemplateForm,
    ValuesSettingsForm,
    answer_form_for,
)
from portal.pulses.models import FollowUp, PulseTemplate
from portal.pulses.response_rates import AWARD_RESPONSE_RATE_BAR, quarterly_rates
from portal.pulses.waiting import waiting_for_whom
from portal.web import facts

bp = Blueprint("pulses", __name__)
BANNER = "pulse banner"  # the fact every signed-in page reads with the user
LOOP = "client loop"  # how many follow-ups the client's dashboard and project pages show


def pending_pulse_link() -> str | None:
    """For a signed-in client with an unanswered pulse: the link to answer it."""
    if not current_user.is_authenticated or current_user.is_staff:
        return None
    read = facts.known(BANNER)
    if read is None:
        pulse = services.pending_for(current_user)
        read = (pulse.id if pulse else None,)
    if read[0] is None:
        return None
    return url_for("pulses.answer", token=services.token_for(read[0], current_user.id))


@bp.record_once
def read_the_banner_with_the_user(state: BlueprintSetupState) -> None:
    """Every signed-in page may show the banner: read it in the user's statement."""
    facts.add_fact(state.app, facts.Fact(BANNER, services.banner_columns, services.banner_params))


@bp.app_context_processor
def inject_pending_pulse() -> dict:
    """Every page may show the pulse banner; the link is looked up only by a page that asks."""
    return {"pending_pulse_link": pending_pulse_link}


def client_loop(project_id: int | None = None) -> list[loop.ClientFollowUp]:
    """For a signed-in client: the follow-ups of their own answers (on a project's page, that
    project's), as they may see them; none asked for when the count read with the user is 0."""
    if not current_user.is_authenticated or current_user.is_staff:
        return []
    if (facts.known(LOOP) or (None,))[0] == 0:
        return []
    return loop.client_follow_ups(current_user, project_id=project_id)


@bp.record_once
def read_the_loop_count_with_the_user(state: BlueprintSetupState) -> None:
    """The dashboard and project pages show the client's follow-ups: count them with the user."""
    facts.add_fact(state.app, facts.Fact(
        LOOP, loop.shown_count_columns, loop.shown_count_params,
        endpoints=frozenset({"home.index", "projects.show"})))


@bp.app_context_processor
def inject_client_loop() -> dict:
    """The dashboard and project pages show the client's follow-ups; looked up only if asked."""
    return {"client_loop": client_loop}


@bp.route("/follow-ups/<token>", methods=["GET", "POST"])
@pulse_answer_limited
def fix(token: str):
    """"Did this fix it?" from the email: GET shows the answer to confirm (a mail scanner
    opening the link records nothing); POST records it, and "not yet" reopens the follow-up."""
    try:
        follow_up = loop.follow_up_from_fix_token(token)
    except services.BadToken as error:
        return render_template("pulses/bad_token.html", message=str(error),
                               heading="We could not open this link"), 404
    view = loop.client_view(follow_up)
    form = FixForm(answer=request.args.get("answer") if request.method == "GET" else None)
    if follow_up.fix_answer is not None or not form.validate_on_submit():
        status = 422 if form.is_submitted() and follow_up.fix_answer is None else 200
        return render_template("pulses/fix.html", view=view, form=form, token=token), status
    recorded = loop.answer_fix(follow_up, fixed=form.answer.data == "fixed")
    db.session.commit()
    return render_template("pulses/fix.html", view=loop.client_view(follow_up), form=form,
                           token=token, recorded=recorded)


def _answer_page(token: str, status: int = 200, **context):
    return render_template("pulses/answer.html", token=token, words=SCALE_WORDS,
                           **context), status


@bp.route("/pulses/<token>", methods=["GET", "POST"])
@pulse_answer_limited
def answer(token: str):
    """The pulse form; a score in the link is only preselected: GET never records anything."""
    try:
        pulse = services.request_from_token(token)
    except services.BadToken as error:
        return render_template("pulses/bad_token.html", message=str(error)), 404
    template = pulse.template
    preset = {}
    first = template.questions[0]
    score = request.args.get("score", type=int)
    if request.method == "GET" and score is not None:
        preset[f"q{first.id}"] = score
    for answer in pulse.answers if request.method == "GET" else []:
        preset.setdefault(f"q{answer.question_id}", answer.score)
        preset[f"c{answer.question_id}"] = answer.comment or ""
    if request.method == "GET":
        preset["contact_me"] = pulse.contact_requested
        if pulse.value_answer is not None:
            preset["value_score"] = pulse.value_answer.score
            preset["value_comment"] = pulse.value_answer.comment or ""
    form = answer_form_for(template, pulse.value_title, **preset)
    if not form.validate_on_submit():
        return _answer_page(token, 422 if form.is_submitted() else 200, pulse=pulse, form=form)
    try:
        _record(pulse, form)
    except services.PulseError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _answer_page(token, 422, pulse=pulse, form=form)
    return render_template("pulses/thanks.html", pulse=pulse, token=token)


def _record(pulse, form) -> None:
    """Save the answers; a second identical send racing this one updates the same rows."""
    for attempt in range(2):
        try:
            services.record_answers(pulse, scores=form.scores(pulse.template),
                                    comments=form.comments(pulse.template),
                                    contact_me=form.contact_me.data,
                                    value_score=getattr(form, "value_score", None) and
                                    form.value_score.data,
                                    value_comment=getattr(form, "value_comment", None) and
                                    form.value_comment.data)
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            db.session.refresh(pulse)


def _report_form() -> tuple[ReportForm, bool]:
    """The report's filters from the query string, and whether they can be used."""
    form = ReportForm(request.args)
    return form, not request.args or form.validate()


def _scope(form: ReportForm, valid: bool = True) -> reports.Scope:
    """The filters' scope; the last 180 days of the whole firm when they cannot be used."""
    if not valid:
        return reports.scope_for(since=None, until=None, organization_id=None, project_id=None)
    return reports.scope_for(
        since=form.since.data, until=form.until.data,
        organization_id=form.organization_id.data or None,
        project_id=request.args.get("project_id", type=database_id),
    )


@bp.get("/staff/pulses")
@staff_required
def report():
    """CSAT, NPS, CES, response rate, trend and comments, for the firm or one account;
    filters that cannot be used are marked on the form (422) and the default range shown."""
    form, valid = _report_form()
    scope, now = _scope(form, valid), utcnow()
    return render_template(
        "pulses/report.html", form=form, scope=scope, figures=reports.figures(scope),
        retention=loop_figures.retention(scope), closing=loop_figures.time_to_close(scope),
        in_days=loop_figures.in_days,
        chart=trend_figure(reports.monthly_trend(scope)), comments=reports.comments(scope),
        changes=history.changed_answers(scope.start, scope.end,
                                        organization_id=scope.organization_id,
                                        project_id=scope.project_id),
        follow_ups=services.open_follow_ups(), waiting=waiting_for_whom(now), now=now,
        rates=quarterly_rates(organization_id=scope.organization_id, zone_name=scope.zone,
                              now=now), bar=AWARD_RESPONSE_RATE_BAR, resolve_form=ResolveForm(),
        **_values_lived(scope),
    ), 200 if valid else 422


def _values_lived(scope: reports.Scope) -> dict:
    """The per-value table's rows for the report's account (or the firm), in its timezone."""
    labels, rows = values.results_by_value(organization_id=scope.organization_id,
                                           zone=scope.zone)
    return {"value_labels": labels, "value_rows": rows}


@bp.get("/staff/pulses.csv")
@staff_required
def export():
    """Every answer in the scope, one row each, safe to open in a spreadsheet; filters that
    cannot be used send staff back to the report, which says why."""
    form, valid = _report_form()
    if not valid:
        return redirect(url_for("pulses.report", **request.args))
    scope = _scope(form)
    filename = f"pulse-answers-{scope.since}-{scope.until}.csv"
    csv = reports.answers_csv(scope)
    audit.record("pulses.exported", actor=current_user, summary=filename)
    db.session.commit()
    return Response(
        csv.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/staff/follow-ups/<int:follow_up_id>/resolve")
@staff_required
def resolve(follow_up_id: int):
    """Close the loop on an unhappy answer: what was done, for the client (emailed to them with
    "Did this fix it?"), and an internal note."""
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        errors = form.summary.errors or form.note.errors or ["the form expired, please try again."]
        flash(f"The follow-up is still open: {errors[0]}", "error")
        return redirect(request.referrer or url_for("pulses.report"))
    try:
        first = loop.resolve_follow_up(follow_up, by=current_user, summary=form.summary.data,
                                       note=form.note.data)
    except services.PulseError as error:
        db.session.rollback()
        flash(f"The follow-up is still open: {error}", "error")
        return redirect(request.referrer or url_for("pulses.report"))
    db.session.commit()
    if first:
        flash("Follow-up resolved.", "success")
    else:
        flash("Someone else resolved this follow-up meanwhile: your note is added to theirs.",
              "info")
    return redirect(url_for("pulses.report"))


@bp.post("/staff/follow-ups/<int:follow_up_id>/close")
@staff_required
def close_no_longer_low(follow_up_id: int):
    """One click closes a follow-up whose answer was changed and is no longer low; back to
    staff home or the pulse report, whichever the button was on."""
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    back = redirect(url_for("home.index" if request.form.get("next") == "home"
                            else "pulses.report"))
    if not CloseForm().validate_on_submit():
        flash("The follow-up is still open: the form expired, please try again.", "error")
        return back
    try:
        closed = services.close_no_longer_low(follow_up, by=current_user)
    except services.PulseError as error:
        db.session.rollback()
        flash(f"The follow-up is still open: {error}", "error")
        return back
    db.session.commit()
    flash("Follow-up closed: the answer is no longer low." if closed else
          "Someone else resolved this follow-up meanwhile.", "success" if closed else "info")
    return back


@bp.get("/admin/pulses/templates")
@admin_required
def templates():
    """The pulse templates, one per trigger (the defaults are created on the first visit)."""
    found = services.all_templates()
    db.session.commit()
    return render_template("pulses/templates.html", templates=found)


@bp.route("/admin/pulses/templates/<int:template_id>", methods=["GET", "POST"])
@admin_required
def edit_template(template_id: int):
    """Reword a template's one to three questions."""
    template = db.get_or_404(PulseTemplate, template_id)
    slots = [{"scale": q.scale.value, "prompt": q.prompt, "invites_comment": q.invites_comment}
             for q in template.questions]
    form = TemplateForm(name=template.name, questions=slots + [{}] * (3 - len(slots)))
    form.opened_on(services.template_version(template))
    if not form.validate_on_submit():
        return render_template("pulses/template_edit.html", form=form, template=template), (
            422 if form.is_submitted() else 200)
    try:
        services.update_template(template, name=form.name.data, questions=form.slots(),
                                 by=current_user, seen=form.seen_version())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return render_template("pulses/template_edit.html", form=form, template=template,
                               changed=changed), 409
    except services.PulseError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return render_template("pulses/template_edit.html", form=form, template=template), 422
    db.session.commit()
    flash("Template saved; new pulses use it.", "success")
    return redirect(url_for("pulses.templates"))


@bp.route("/admin/asks", methods=["GET", "POST"])
@admin_required
def edit_ask_settings():
    """The reminder days and quiet hours every ask and client email follows."""
    current = quiet_hours.ask_rules()
    form = AskSettingsForm(data=asdict(current))
    form.opened_on(quiet_hours.rules_version(current))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("pulses/ask_settings.html", form=form,
                               saved=quiet_hours.describe_rules(current)), status
    try:
        quiet_hours.update_ask_rules(by=current_user, seen=form.seen_version(),
                                     **form.data_for_service())
    except quiet_hours.SettingsError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return render_template("pulses/ask_settings.html", form=form), 422
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return render_template("pulses/ask_settings.html", form=form, changed=changed,
                               now_saved=quiet_hours.describe_rules(quiet_hours.ask_rules())), 409
    db.session.commit()
    flash("Saved. Reminders and client emails from now on follow these settings.", "success")
    return redirect(url_for("content.admin_index"))


@bp.route("/admin/pulses/values", methods=["GET", "POST"])
@admin_required
def values_settings():
    """Which of the firm's values periodic pulses ask about, and how often."""
    form = ValuesSettingsForm(every_nth=values.every_nth(),
                              asked=[v.id for v in values.asked_values()])
    form.asked.choices = [SelectChoice(v.id, v.title) for v in values.all_values()]
    if not form.validate_on_submit():
        return render_template("pulses/values_settings.html", form=form), (
            422 if form.is_submitted() else 200)
    values.save_settings(every=form.every_nth.data, asked=set(form.asked.data or []),
                         by=current_user)
    db.session.commit()
    flash("Values pulses saved: the next periodic pulses ask accordingly.", "success")
    return redirect(url_for("pulses.values_settings"))
