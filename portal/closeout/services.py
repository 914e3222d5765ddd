"""Rules for closeouts and their PDF. Functions flush; the caller commits."""

import hashlib
import json
from datetime import date, datetime

from flask import current_app, render_template

from portal.audit import services as audit
from portal.auth.models import User
from portal.closeout.models import Closeout
from portal.closeout.report import closeout_report
from portal.concurrency import ChangedMeanwhile, check_version, edit_version, lock
from portal.content.services import current_branding
from portal.db import local_today, utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.pdf import render_pdf
from portal.projects.models import Project, ProjectStatus
from portal.projects.services import close_project
from portal.pulses import services as pulses

# Bump when templates/pdf/closeout.html or static/css/pdf.css change what a PDF looks like,
# so PDFs cached before a deploy are rendered again.
PDF_LAYOUT = 2
TEXT_FIELDS = ("summary", "outcomes", "lessons", "care_reach", "care_next_steps")


class CloseoutError(ValueError):
    """A closeout was refused; `field` names the form field to show it on (None: the form)."""

    field: str | None = None


class ProjectNotFinished(CloseoutError):
    """Only a finished project can be closed out: status done, or every milestone completed."""

    def __init__(self, project: Project) -> None:
        open_steps = sum(not m.is_done for m in project.milestones)
        steps = (f"{open_steps} of {len(project.milestones)} milestones are still open"
                 if project.milestones else "it has no milestones")
        super().__init__(
            f"{project.name} is not finished: its status is {project.status.label} and "
            f"{steps}. Complete the milestones or publish an update with the status Done, "
            "then publish the closeout. Nothing was saved."
        )


class MissingText(CloseoutError):
    """A part of the closeout the client relies on was left empty."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__("This part of the closeout cannot be empty.")


class BadDeliveryDate(CloseoutError):
    """The delivery date must be a day that has come, and not before the work started."""

    field = "delivered_on"


class NoCareContact(CloseoutError):
    """The hand-off needs a person on staff who takes over the client's care."""

    field = "care_contact_id"

    def __init__(self) -> None:
        super().__init__("Choose who on staff takes over the client's care.")


def is_finished(project: Project) -> bool:
    """Status done, or at least one milestone and every milestone completed."""
    if project.status == ProjectStatus.DONE:
        return True
    return bool(project.milestones) and all(m.is_done for m in project.milestones)


def _cleaned(care_contact: User | None, text: dict[str, str | None]) -> dict[str, str]:
    if care_contact is None or not care_contact.is_staff:
        raise NoCareContact()
    cleaned = {name: (text.get(name) or "").strip() for name in TEXT_FIELDS}
    for name in ("summary", "outcomes", "care_next_steps"):
        if not cleaned[name]:
            raise MissingText(name)
    return cleaned


def _check_delivery(project: Project, on: date) -> None:
    if on > local_today(project.organization.timezone):
        raise BadDeliveryDate("The delivery date cannot be in the future.")
    if project.started_on and on < project.started_on:
        raise BadDeliveryDate(
            f"The work started on {project.started_on:%-d %b %Y}: it cannot be delivered before."
        )


def closeout_version(closeout: Closeout | None) -> str:
    """The version of what the closeout form shows: the text and the care contact (or that
    there is no closeout yet)."""
    if closeout is None:
        return edit_version(None)
    return edit_version(*(getattr(closeout, name) for name in TEXT_FIELDS),
                        closeout.care_contact_id)


def publish_closeout(
    project: Project, *, care_contact: User | None, delivered_on: date | None = None,
    at: datetime | None = None, by: User | None = None, seen: str | None = None,
    **text: str | None,
) -> Closeout:
    """Close out a finished project: close it, publish the summary and tell the client.

    `text` holds summary, outcomes, lessons, care_reach and care_next_steps. A project that is
    still open is closed on `delivered_on` (default today where the client is). Someone else
    publishing it first raises ChangedMeanwhile, as does a form opened on another version.
    """
    lock(project)
    if project.closeout is not None:
        raise ChangedMeanwhile(closeout_version(project.closeout))
    check_version(seen, closeout_version(None))
    if not is_finished(project):
        raise ProjectNotFinished(project)
    fields = _cleaned(care_contact, text)
    at = at or utcnow()
    if not project.is_closed:
        on = delivered_on or local_today(project.organization.timezone)
        _check_delivery(project, on)
        close_project(project, on=on, by=by)
    closeout = Closeout(
        project=project, care_contact=care_contact, published_at=at, updated_at=at, **fields
    )
    db.session.add(closeout)
    db.session.flush()
    audit.record("closeout.published", actor=by, target=closeout,
                 organization=project.organization, summary=project.name)
    pulses.pulses_for_closeout(project, now=at)
    notify_client_of_closeout(closeout)
    return closeout


def edit_closeout(
    closeout: Closeout, *, care_contact: User | None, at: datetime | None = None,
    by: User | None = None, seen: str | None = None, **text: str | None,
) -> bool:
    """Change a published closeout; the cached PDF goes. False when nothing changed.

    `seen` is the closeout_version() the form was opened on; refused if it changed since.
    """
    lock(closeout.project, closeout)
    check_version(seen, closeout_version(closeout))
    fields = _cleaned(care_contact, text)
    if care_contact.id == closeout.care_contact_id and all(
        getattr(closeout, name) == value for name, value in fields.items()
    ):
        return False
    for name, value in fields.items():
        setattr(closeout, name, value)
    closeout.care_contact = care_contact
    closeout.version = Closeout.version + 1  # in SQL, so two edits at once both count
    closeout.updated_at = at or utcnow()
    discard_pdf(closeout)
    db.session.flush()
    audit.record("closeout.edited", actor=by, target=closeout,
                 organization=closeout.project.organization, summary=closeout.project.name)
    return True


def notify_client_of_closeout(closeout: Closeout) -> None:
    """Tell the client users, by email through the outbox, that the closeout is published."""
    notifications.queue_closeout_published(closeout)


def discard_pdf(closeout: Closeout) -> None:
    """Forget the cached PDF; the next request renders it afresh."""
    closeout.pdf = closeout.pdf_fingerprint = closeout.pdf_rendered_at = None


def pdf_fingerprint(closeout: Closeout) -> str:
    """A hash of everything the PDF shows: the closeout, the project, contact, branding, paper."""
    contact = closeout.care_contact
    brand = current_branding(default_name=current_app.config["FIRM_NAME"])
    parts = [
        PDF_LAYOUT, closeout.id, closeout.version, closeout.project.version,
        [contact.name, contact.job_title, contact.email, contact.phone] if contact else None,
        [brand.firm_name, brand.brand_color, brand.logo_version],
        current_app.config["PDF_PAGE_SIZE"],
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def render_closeout_pdf(closeout: Closeout) -> bytes:
    """Render the closeout's PDF now; needs an app context but no request (jobs call it)."""
    html = render_template("pdf/closeout.html", **closeout_report(closeout, for_pdf=True))
    return render_pdf(html)


def closeout_pdf(closeout: Closeout) -> bytes:
    """The PDF: the cached one if it is current, else rendered now and kept until a change."""
    fingerprint = pdf_fingerprint(closeout)
    if closeout.pdf_fingerprint == fingerprint and closeout.pdf is not None:
        return closeout.pdf
    pdf = render_closeout_pdf(closeout)
    closeout.pdf, closeout.pdf_fingerprint, closeout.pdf_rendered_at = pdf, fingerprint, utcnow()
    db.session.flush()
    return pdf


def ensure_pdf(closeout: Closeout) -> bool:
    """Render and keep the PDF unless the kept one is current; True when it rendered."""
    if closeout.pdf is not None and closeout.pdf_fingerprint == pdf_fingerprint(closeout):
        return False
    closeout_pdf(closeout)
    return True
