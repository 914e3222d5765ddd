"""Candidates' profiles: adding, editing, CVs, screening steps and the way they
move on. Functions flush; the caller commits."""

import io
from datetime import UTC, date, datetime, time

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portal.audit import services as audit
from portal.auth.models import User
from portal.content.models import ProcessStep
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from portal.selection.models import (
    MAX_CV_BYTES,
    Candidate,
    CandidateScreeningStep,
    CandidateStatus,
    CandidateStatusChange,
)

PROFILE_FIELDS = ("display_name", "anonymous", "headline", "location", "availability",
                  "rate_band", "skills", "summary_md", "why_chosen_md", "sourced_on")


# The order of a candidate's way: a move back is refused, withdrawn ends it from any step.
WAY = (CandidateStatus.SOURCED, CandidateStatus.SCREENED, CandidateStatus.PRESENTED,
       CandidateStatus.INTERVIEWING, CandidateStatus.OFFERED, CandidateStatus.PLACED)


class SelectionError(ValueError):
    """A change to a candidate or shortlist was refused; `field` names the form field."""

    field = "display_name"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field:
            self.field = field


def check_cv(data: bytes) -> int:
    """The page count of a CV that is a readable PDF of at most MAX_CV_BYTES; SelectionError
    otherwise. Checked by its content: the name a browser sends proves nothing."""
    if not data:
        raise SelectionError("The file is empty: choose a PDF.", field="cv")
    if len(data) > MAX_CV_BYTES:
        raise SelectionError(f"The CV is over {MAX_CV_BYTES // (1024 * 1024)} MB: "
                             "send a smaller PDF. Nothing was saved.", field="cv")
    if not data.startswith(b"%PDF-"):
        raise SelectionError("That file is not a PDF (whatever its name says): "
                             "a CV must be a PDF. Nothing was saved.", field="cv")
    try:
        pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        pages = 0
    if pages < 1:
        raise SelectionError("That PDF cannot be read (damaged or empty): "
                             "export it again. Nothing was saved.", field="cv")
    return pages


def cv_filename(name: str | None, candidate: Candidate) -> str:
    """A safe download name: the sent name's letters and digits, or one from the candidate."""
    stem = "".join(c if c.isalnum() or c in "-_ " else "-" for c in (name or "").rsplit(".", 1)[0])
    stem = " ".join(stem.split())[:80].strip("-_ ") or f"cv-{candidate.id or 'new'}"
    return f"{stem}.pdf"


def record_move(candidate: Candidate, status: CandidateStatus, *, by: User | None,
                at: datetime | None = None) -> None:
    """Set the status and keep the step in the dated history the funnel counts."""
    candidate.status = status
    candidate.status_changes.append(
        CandidateStatusChange(status=status, changed_at=at or utcnow(), changed_by=by))


def add_candidate(project: Project, *, by: User, cv: bytes | None = None,
                  cv_name: str | None = None, **fields) -> Candidate:
    """Add a sourced candidate to a placement project, with an optional CV."""
    if not fields.get("display_name", "").strip():
        raise SelectionError("Give the candidate's name (or a label such as Candidate A).")
    candidate = Candidate(project=project, **{k: fields[k] for k in PROFILE_FIELDS if k in fields})
    sourced = datetime.combine(candidate.sourced_on, time(12), tzinfo=UTC)
    record_move(candidate, CandidateStatus.SOURCED, by=by, at=min(sourced, utcnow()))
    db.session.add(candidate)
    db.session.flush()
    if cv:
        attach_cv(candidate, cv, filename=cv_name, by=by)
    audit.record("candidate.added", actor=by, target=candidate,
                 organization=project.organization, summary=project.name)
    return candidate


def edit_candidate(candidate: Candidate, *, by: User, **fields) -> Candidate:
    """Change a candidate's profile; an erased one cannot be edited."""
    if candidate.is_erased:
        raise SelectionError("This candidate was erased: there is nothing to edit.")
    if not fields.get("display_name", candidate.display_name).strip():
        raise SelectionError("Give the candidate's name (or a label such as Candidate A).")
    for key in PROFILE_FIELDS:
        if key in fields:
            setattr(candidate, key, fields[key])
    if candidate.screened_on and candidate.screened_on < candidate.sourced_on:
        raise SelectionError("Sourced after the first screening step: check the date.",
                             field="sourced_on")
    db.session.flush()
    audit.record("candidate.edited", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=candidate.project.name)
    return candidate


def attach_cv(candidate: Candidate, data: bytes, *, filename: str | None, by: User) -> None:
    """Keep a checked PDF as the candidate's CV (in the database, never under the web root)."""
    check_cv(data)
    candidate.cv, candidate.cv_size = data, len(data)
    candidate.cv_filename = cv_filename(filename, candidate)
    db.session.flush()
    audit.record("candidate.cv_attached", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=candidate.cv_filename)


def remove_cv(candidate: Candidate, *, by: User) -> None:
    """Take the CV off the candidate."""
    candidate.cv = candidate.cv_filename = candidate.cv_size = None
    db.session.flush()
    audit.record("candidate.cv_removed", actor=by, target=candidate,
                 organization=candidate.project.organization)


def add_screening_step(candidate: Candidate, *, step: ProcessStep, passed_on: date,
                       run_by: User | None, by: User) -> CandidateScreeningStep:
    """Record a published process step the candidate passed; the first one screens them."""
    if candidate.is_erased:
        raise SelectionError("This candidate was erased.", field="process_step_id")
    if passed_on < candidate.sourced_on:
        raise SelectionError("That is before the candidate was sourced: check the date.",
                             field="passed_on")
    if any(done.process_step_id == step.id for done in candidate.screening_steps):
        raise SelectionError(f"{step.title} is recorded already.", field="process_step_id")
    record = CandidateScreeningStep(candidate=candidate, process_step=step,
                                    step_title=step.title, passed_on=passed_on, run_by=run_by)
    db.session.add(record)
    if candidate.screened_on is None or passed_on < candidate.screened_on:
        candidate.screened_on = passed_on
    if candidate.status == CandidateStatus.SOURCED:
        record_move(candidate, CandidateStatus.SCREENED, by=by)
    db.session.flush()
    audit.record("candidate.screened", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=step.title)
    return record


def move_candidate(candidate: Candidate, status: CandidateStatus, *, by: User) -> None:
    """Move a candidate on its way (interviewing, offered, placed) or withdraw it; never back,
    and never to presented (presenting a shortlist does that)."""
    if candidate.is_erased or candidate.status == CandidateStatus.WITHDRAWN:
        raise SelectionError("This candidate's way has ended.", field="status")
    if status == CandidateStatus.ERASED:
        raise SelectionError("Erasing is the admin's: use Erase.", field="status")
    if status == candidate.status:
        return
    if status != CandidateStatus.WITHDRAWN:
        if WAY.index(status) < WAY.index(candidate.status):
            raise SelectionError(f"A {candidate.status.value} candidate cannot go back to "
                                 f"{status.value}.", field="status")
        if status == CandidateStatus.PRESENTED or (
                WAY.index(status) > WAY.index(CandidateStatus.PRESENTED)
                and not candidate.entries):
            raise SelectionError("Present the candidate in a shortlist first.", field="status")
    record_move(candidate, status, by=by)
    db.session.flush()
    audit.record("candidate.moved", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=status.value)


def note_cv_download(candidate: Candidate, *, by: User) -> None:
    """Audit a CV download."""
    audit.record("candidate.cv_downloaded", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=candidate.cv_filename or "")
