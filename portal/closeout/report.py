"""What a closeout shows beside its text, computed from the project's own data: the timeline
planned against actual, promises kept and the milestone drift chart. Page and PDF share it."""

import base64
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from portal.accounts.photos import photo_data_uri
from portal.closeout.models import Closeout
from portal.content.client_figures import client_figures
from portal.content.services import load_logo
from portal.db import local_today, zone_or_utc
from portal.projects.charts import milestone_drift_chart
from portal.projects.models import Project
from portal.projects.track_record import (
    PROMISE_NOTICE_DAYS,
    days_in_words,
    first_promised,
    promises_kept,
)
from portal.pulses.reports import Figures, Scope, figures


@dataclass(frozen=True)
class TimelineRow:
    """A milestone, or the whole project: planned date, last ETA given, and delivery."""

    title: str
    planned_on: date | None
    final_eta: date | None
    delivered_on: date | None
    is_project: bool = False

    @property
    def days_against_plan(self) -> int | None:
        """Days delivered after the planned date (negative: early); None if either is unknown."""
        if self.planned_on is None or self.delivered_on is None:
            return None
        return (self.delivered_on - self.planned_on).days

    @property
    def verdict(self) -> str:
        """'3 days late', '1 day early', 'on time', or why there is nothing to compare."""
        days = self.days_against_plan
        if days is None:
            return "not delivered" if self.delivered_on is None else "no planned date"
        return days_in_words(days)


def timeline(project: Project) -> list[TimelineRow]:
    """Each milestone in order, then the project itself against its first promised date."""
    rows = [TimelineRow(m.title, m.planned_on, m.eta, m.completed_on) for m in project.milestones]
    rows.append(TimelineRow(
        "The whole project", first_promised(project), project.eta, project.closed_on,
        is_project=True,
    ))
    return rows


def local_date(moment: datetime | None, zone_name: str) -> date | None:
    """The calendar day of `moment` where the client is (UTC if the zone is unknown)."""
    if moment is None:
        return None
    return moment.astimezone(zone_or_utc(zone_name)).date()


def logo_data_uri() -> str | None:
    """The firm's logo inlined as a data: URI, so the PDF fetches nothing to show it."""
    settings = load_logo()
    if settings is None:
        return None
    encoded = base64.b64encode(settings.logo).decode("ascii")
    return f"data:{settings.logo_content_type};base64,{encoded}"


def project_feedback(project: Project) -> Figures | None:
    """What the client's pulses about this project added up to, from its start to today on the
    client's calendar; None when there were none."""
    zone = project.organization.timezone
    since = project.started_on or local_date(project.created_at, zone)
    scope = Scope(since=since, until=local_today(zone), project_id=project.id, zone=zone)
    found = figures(scope)
    return found if found.answers else None


def closeout_report(closeout: Closeout, *, for_pdf: bool = False) -> dict:
    """Everything the closeout page (or, with for_pdf, the PDF) shows, computed once."""
    project = closeout.project
    zone = project.organization.timezone
    report = {
        "closeout": closeout,
        "project": project,
        "timeline": timeline(project),
        "promises": promises_kept([project]),
        "promise_notice_days": PROMISE_NOTICE_DAYS,
        "drift_chart": milestone_drift_chart(project.milestones),
        "published_on": local_date(closeout.published_at, zone),
        "updated_on": local_date(closeout.updated_at, zone),
        "pulse_figures": project_feedback(project),
        "shown": client_figures(),
        "care_photo": True,  # the page loads the photo by its URL
    }
    if for_pdf:
        report["care_photo"] = photo_data_uri(closeout.care_contact) or False
        report["logo_data_uri"] = logo_data_uri()
        report["page_size"] = current_app.config["PDF_PAGE_SIZE"]
        report["stylesheet_path"] = current_app.static_url_path + "/css/pdf.css"
    return report
