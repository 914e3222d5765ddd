"""Account health for staff: the accounts list, an account's explained score and reviews,
alerts, and the admin's settings. Every URL is 404 to anyone but staff."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import admin_required, get_organization_or_404, staff_required
from portal.audit import services as audit
from portal.concurrency import ChangedMeanwhile
from portal.db import utcnow
from portal.extensions import db
from portal.health import charts
from portal.health.accounts_list import AccountRow, account_rows, accounts_csv, search_rows
from portal.health.alerts import acknowledge_alert, open_alerts
from portal.health.forms import (
    AcknowledgeForm,
    FilterForm,
    RescoreForm,
    ReviewForm,
    SettingsForm,
)
from portal.health.models import HealthAlert
from portal.health.reviews import record_review, reviews_of
from portal.health.settings import HealthError, config_version, current_config, save_config
from portal.health.snapshots import account_health, rescore_this_week
from portal.health.weeks import TREND_WEEKS, week_label, week_start
from portal.projects.finding import paginate
from portal.pulses import values as values_pulses
from portal.web.paging import page_number

bp = Blueprint("health", __name__)
SEARCH_FIELDS = {"q", "sort", "mine"}  # fields of the search whose error the page shows


def _filtered_rows() -> tuple[FilterForm, list[AccountRow], dict]:
    form = FilterForm(request.args)
    # A search too long is said on the page and left out; an owner or band not offered is not
    # something the form sends.
    if request.args and not form.validate() and set(form.errors) - SEARCH_FIELDS:
        abort(400)
    rows = account_rows(owner_id=form.owner_id.data or None, band=form.band_value(),
                        show_archived=form.archived.data)
    rows, due = search_rows(rows, form.search(), current_user)
    return form, rows, due


@bp.get("/staff/health")
@staff_required
def index():
    """Every account sorted by risk (red first, then the biggest fall) or by the next update
    due, with a sparkline; a page at a time."""
    form, rows, due = _filtered_rows()
    page = paginate(rows, page_number())
    return render_template(
        "health/index.html", form=form, rows=page.items, page=page, due=due,
        sparklines={r.organization.id: charts.sparkline(r.trend) for r in page.items},
        week=week_start(utcnow()), week_label=week_label,
    )


@bp.get("/staff/health.csv")
@staff_required
def export():
    """The filtered list as CSV, safe to open in a spreadsheet."""
    _, rows, _ = _filtered_rows()
    filename = f"account-health-{week_label(week_start(utcnow()))}.csv"
    csv = accounts_csv(rows)
    audit.record("health.exported", actor=current_user, summary=f"{filename}, {len(rows)} accounts")
    db.session.commit()
    return Response(
        csv.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _show(organization, review_form: ReviewForm | None = None, status: int = 200):
    health = account_health(organization)
    reviews = reviews_of(organization)
    reviewed = any(r.week_start == health.this_week for r in reviews)
    alerts = [a for a in open_alerts() if a.organization_id == organization.id]
    points = [(week_label(s.week_start), s.score) for s in health.history]
    bands = health.snapshot or health.config  # the chart's lines: the bands the score shows
    chart = charts.trend_figure(points, green_from=bands.green_from, amber_from=bands.amber_from)
    trends = health.metric_trends()
    value_labels, value_rows = values_pulses.results_by_value(
        organization_id=organization.id, zone=organization.timezone)
    return render_template(
        "health/show.html", organization=organization, health=health, reviews=reviews,
        reviewed=reviewed, alerts=alerts, chart=chart, week_label=week_label,
        review_form=review_form or ReviewForm(), acknowledge_form=AcknowledgeForm(),
        rescore_form=RescoreForm(), trends=trends, trends_weeks=TREND_WEEKS,
        sparklines={t.result.metric: charts.sparkline(t.trend) for t in trends},
        value_labels=value_labels, value_rows=value_rows,
        timeline_url=url_for("touchpoints.account_timeline", organization_id=organization.id),
    ), status


@bp.get("/staff/health/<int:organization_id>")
@staff_required
def show(organization_id: int):
    """One account: each metric, its inputs, weight and points; the trend; the reviews."""
    return _show(get_organization_or_404(organization_id))


@bp.post("/staff/health/<int:organization_id>/reviews")
@staff_required
def review(organization_id: int):
    """Record this week's review of the account (once per week)."""
    organization = get_organization_or_404(organization_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _show(organization, form, 422)
    try:
        record_review(organization, by=current_user, **form.data_for_service())
    except HealthError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _show(organization, form, 422)
    db.session.commit()
    flash("Review recorded for this week.", "success")
    return redirect(url_for("health.show", organization_id=organization.id))


@bp.post("/staff/health/<int:organization_id>/rescore")
@staff_required
def rescore(organization_id: int):
    """Compute this week's snapshot of the account again, now, with the current settings."""
    organization = get_organization_or_404(organization_id)
    if not RescoreForm().validate_on_submit():
        abort(400)
    snapshot = rescore_this_week(by=current_user, organization=organization)[0]
    db.session.commit()
    flash(f"{week_label(snapshot.week_start)} rescored now for {organization.name}.", "success")
    return redirect(url_for("health.show", organization_id=organization.id))


@bp.post("/admin/health/rescore")
@admin_required
def rescore_all():
    """Compute this week's snapshot of every account again with the current settings."""
    if not RescoreForm().validate_on_submit():
        abort(400)
    snapshots = rescore_this_week(by=current_user)
    db.session.commit()
    week = week_label(week_start(utcnow()))
    count = len(snapshots)
    flash(f"{week} rescored now for {count} account{'' if count == 1 else 's'} with the "
          "current settings.", "success")
    return redirect(url_for("health.settings"))


@bp.post("/staff/health/alerts/<int:alert_id>/acknowledge")
@staff_required
def acknowledge(alert_id: int):
    """Take an alert off staff home."""
    alert = db.get_or_404(HealthAlert, alert_id)
    if not AcknowledgeForm().validate_on_submit():
        abort(400)
    acknowledge_alert(alert, by=current_user)
    db.session.commit()
    flash(f"Alert on {alert.organization.name} acknowledged.", "success")
    target = request.form.get("next")
    if target not in {"home", "account"}:
        target = "home"
    if target == "account":
        return redirect(url_for("health.show", organization_id=alert.organization_id))
    return redirect(url_for("home.index"))


@bp.route("/admin/health/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Which 3 to 7 metrics count, their weights, and the bands."""
    config = current_config()
    form = SettingsForm() if request.method == "POST" else SettingsForm.from_config(config)
    form.opened_on(config_version(config))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _settings_page(form), status
    try:
        save_config(
            weights=form.weights(), active=form.active(), green_from=form.green_from.data,
            amber_from=form.amber_from.data,
            response_target_days=form.response_target_days.data,
            min_coverage=form.min_coverage.data, by=current_user,
            seen=form.seen_version(),
        )
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _settings_page(form, changed=changed, current=current_config()), 409
    except HealthError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _settings_page(form), 422
    db.session.commit()
    flash("Health settings saved. This week's snapshots keep the settings they were scored "
          "with until you rescore them (below); next week's use the new ones.", "success")
    return redirect(url_for("health.settings"))


def _settings_page(form: SettingsForm, **context) -> str:
    return render_template("health/settings.html", form=form, rescore_form=RescoreForm(),
                           week=week_label(week_start(utcnow())), **context)
