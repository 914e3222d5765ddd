"""Rules for closeouts and their PDF. Functions flush; the caller commits."""

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

from flask import current_app, render_template

from portal.audit import services as audit
from portal.auth.models import User
from portal.closeout.handoff import change_care_owner, hand_off_to_care
from portal.closeout.models import Closeout
from portal.closeout.report import closeout_report
from portal.concurrency import ChangedMeanwhile, check_version, edit_version, lock
from portal.db import local_today, utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.pdf import render_pdf
from portal.projects.models import Project, ProjectStatus
from portal.projects.services import close_project
from portal.pulses import services as pulses
from portal.web.static_files import fingerprint
from portal.webhooks import events as webhooks

# Bump when the PDF renderer changes what the same HTML and stylesheet look like, so PDFs
# cached before a deploy are rendered again (a template or pdf.css change is seen by itself).
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
    """Close out a finished project: close it, publish the summary, tell the client and hand
    the account to client care.

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
    webhooks.closeout_published(closeout)
    requests = pulses.pulses_for_closeout(project, now=at)
    notify_client_of_closeout(
        closeout, pulse_tokens={r.user_id: (r, pulses.answer_token(r)) for r in requests})
    hand_off_to_care(closeout, at=at)
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
    change_care_owner(closeout)
    closeout.version = Closeout.version + 1  # in SQL, so two edits at once both count
    closeout.updated_at = at or utcnow()
    discard_pdf(closeout)
    db.session.flush()
    audit.record("closeout.edited", actor=by, target=closeout,
                 organization=closeout.project.organization, summary=closeout.project.name)
    return True


def notify_client_of_closeout(closeout: Closeout, *, pulse_tokens: dict | None = None) -> None:
    """Tell the client users, by email through the outbox, that the closeout is published,
    with each one's closeout pulse inside."""
    notifications.queue_closeout_published(closeout, pulse_tokens=pulse_tokens or {})


def discard_pdf(closeout: Closeout) -> None:
    """Forget the cached PDF; the next request renders it afresh."""
    closeout.pdf = closeout.pdf_fingerprint = closeout.pdf_rendered_at = None


def closeout_html(closeout: Closeout) -> str:
    """The HTML the PDF is rendered from; needs an app context but no request (jobs call it)."""
    return render_template("pdf/closeout.html", **closeout_report(closeout, for_pdf=True))


def pdf_fingerprint(html: str) -> str:
    """A hash of everything the PDF shows: its HTML (text, project, milestones, ETA history,
    pulse answers, branding and logo, page size: whatever the template reads) and stylesheet.

    Hashing the rendered HTML rather than a list of inputs means no input can be forgotten:
    a pulse answer changed, or anything a later template shows, makes a new PDF.
    """
    stylesheet = fingerprint(str(Path(current_app.static_folder) / "css" / "pdf.css"))
    parts = [PDF_LAYOUT, stylesheet, html]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def render_closeout_pdf(closeout: Closeout) -> bytes:
    """Render the closeout's PDF now; needs an app context but no request (jobs call it)."""
    return render_pdf(closeout_html(closeout))


def _current_pdf(closeout: Closeout) -> tuple[bytes, bool]:
    """The kept PDF if its fingerprint is the HTML's now, else one rendered now and kept; and
    whether it was rendered."""
    html = closeout_html(closeout)
    current = pdf_fingerprint(html)
    if closeout.pdf is not None and closeout.pdf_fingerprint == current:
        return closeout.pdf, False
    pdf = render_pdf(html)
    closeout.pdf, closeout.pdf_fingerprint, closeout.pdf_rendered_at = pdf, current, utcnow()
    db.session.flush()
    return pdf, True


def closeout_pdf(closeout: Closeout) -> bytes:
    """The PDF: the cached one if it is current, else rendered now and kept until a change."""
    return _current_pdf(closeout)[0]


def ensure_pdf(closeout: Closeout) -> bool:
    """Render and keep the PDF unless the kept one is current; True when it rendered."""
    return _current_pdf(closeout)[1]
