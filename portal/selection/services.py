"""Candidates, shortlists and the client's decisions. Functions flush; the caller commits."""

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import func, select

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import lock
from portal.content.models import ProcessStep
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import MessageKind
from portal.notifications.rendering import absolute_url
from portal.projects import questions
from portal.projects.models import Project
from portal.selection.models import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_RETENTION_DAYS,
    MAX_CV_BYTES,
    Candidate,
    CandidateDecision,
    CandidateScreeningStep,
    CandidateStatus,
    CandidateStatusChange,
    CandidateView,
    DecisionKind,
    RejectionReason,
    SelectionSettings,
    Shortlist,
    ShortlistEntry,
)

SETTINGS_ID = 1
ERASED_NAME = "Erased candidate"
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


DEFAULT_REASONS = ("Skills", "Experience", "Salary", "Location", "Culture", "Other")


def seed_defaults() -> None:
    """The settings row and the first reasons, as the migration seeds them, where missing
    (a database emptied by hand or by tests)."""
    if db.session.get(SelectionSettings, SETTINGS_ID) is None:
        db.session.add(SelectionSettings(id=SETTINGS_ID))
    if db.session.scalar(select(func.count(RejectionReason.id))) == 0:
        db.session.add_all(RejectionReason(label=label, position=position)
                           for position, label in enumerate(DEFAULT_REASONS))
    db.session.flush()


def get_settings() -> SelectionSettings:
    """The selection settings row (the migration seeds it; defaults if it was removed)."""
    return db.session.get(SelectionSettings, SETTINGS_ID) or SelectionSettings(
        id=SETTINGS_ID, expiry_days=DEFAULT_EXPIRY_DAYS, retention_days=DEFAULT_RETENTION_DAYS)


def update_settings(*, expiry_days: int, retention_days: int, by: User) -> SelectionSettings:
    """Save how long presented candidates show to the client and how long they are kept."""
    settings = get_settings()
    settings.expiry_days, settings.retention_days = expiry_days, retention_days
    db.session.add(settings)
    db.session.flush()
    audit.record("selection.settings_changed", actor=by,
                 summary=f"expiry {expiry_days} days, retention {retention_days} days")
    return settings


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


def _move(candidate: Candidate, status: CandidateStatus, *, by: User | None,
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
    _move(candidate, CandidateStatus.SOURCED, by=by, at=min(sourced, utcnow()))
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
        _move(candidate, CandidateStatus.SCREENED, by=by)
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
    _move(candidate, status, by=by)
    db.session.flush()
    audit.record("candidate.moved", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=status.value)


def client_recipients(project: Project) -> list[User]:
    """The project's client contacts: the organisation's active client users."""
    return list(db.session.scalars(select(User).where(
        User.organization_id == project.organization_id, User.role == Role.CLIENT,
        User.active.is_(True)).order_by(User.id)))


def present_shortlist(project: Project, candidates: list[Candidate], *, by: User) -> Shortlist:
    """Present candidates to the client at once: one shortlist, one email per client contact
    with a link only (never a CV nor a candidate's details)."""
    lock(project)
    chosen = [c for c in candidates if c.project_id == project.id]
    if not chosen:
        raise SelectionError("Choose at least one candidate to present.", field="candidate_ids")
    if any(c.is_erased or c.status == CandidateStatus.WITHDRAWN for c in chosen):
        raise SelectionError("A withdrawn or erased candidate cannot be presented.",
                             field="candidate_ids")
    now = utcnow()
    shortlist = Shortlist(project=project, presented_by=by, presented_at=now,
                          expires_at=now + timedelta(days=get_settings().expiry_days))
    db.session.add(shortlist)
    for position, candidate in enumerate(chosen):
        shortlist.entries.append(ShortlistEntry(candidate=candidate, position=position))
        if WAY.index(candidate.status) < WAY.index(CandidateStatus.PRESENTED):
            _move(candidate, CandidateStatus.PRESENTED, by=by, at=now)
    db.session.flush()
    _email_shortlist(shortlist)
    audit.record("shortlist.presented", actor=by, target=shortlist,
                 organization=project.organization,
                 summary=f"{len(chosen)} candidates for {project.name}")
    return shortlist


def shortlist_subject(count: int, project_name: str) -> str:
    """The shortlist email's subject: "3 candidates for Senior Data Engineer"."""
    return f"{count} candidate{'s' if count != 1 else ''} for {project_name}"


def _email_shortlist(shortlist: Shortlist) -> None:
    project = shortlist.project
    for user in client_recipients(project):
        if not notifications.wants_email(user):
            continue
        notifications.queue_message(
            user, MessageKind.SHORTLIST_PRESENTED,
            dedupe_key=f"shortlist:{shortlist.id}:user:{user.id}",
            subject=shortlist_subject(len(shortlist.entries), project.name),
            project_name=project.name, count=len(shortlist.entries),
            expires_on=shortlist.expires_at.strftime("%-d %b %Y"),
            shortlist_url=absolute_url("selection.candidates", project_id=project.id),
        )
    db.session.flush()


def expires_at(candidate: Candidate) -> datetime | None:
    """Until when the client sees the candidate: the latest expiry of its shortlists."""
    return max((entry.shortlist.expires_at for entry in candidate.entries), default=None)


def is_expired(candidate: Candidate, now: datetime | None = None) -> bool:
    """Whether the candidate was presented and every presentation has expired."""
    until = expires_at(candidate)
    return until is not None and until <= (now or utcnow())


def current_decision(candidate: Candidate) -> CandidateDecision | None:
    """The client's decision in force on the candidate, if any."""
    return next((d for d in reversed(candidate.decisions) if d.is_current), None)


def active_reasons() -> list[RejectionReason]:
    """The reasons a client may choose for "not a fit", in the admin's order."""
    return list(db.session.scalars(select(RejectionReason).where(
        RejectionReason.retired_at.is_(None)).order_by(RejectionReason.position,
                                                       RejectionReason.id)))


@dataclass(frozen=True)
class DecisionInput:
    """What the client chose: the kind, a reason for "not a fit", a note or question."""

    kind: DecisionKind
    reason_id: int | None = None
    note: str = ""


def decide(candidate: Candidate, choice: DecisionInput, *, by: User) -> CandidateDecision:
    """Record the client's decision; a change replaces the one in force (kept in the history)
    until staff act on it. "Ask a question" opens a question on the project."""
    lock(candidate)
    if candidate.is_erased or is_expired(candidate) or not candidate.entries:
        raise SelectionError("This candidate is no longer shown to you: ask us to re-present.",
                             field="kind")
    previous = current_decision(candidate)
    if previous is not None and previous.is_acted_on:
        raise SelectionError("We have acted on your decision already; ask us if it changed.",
                             field="kind")
    reason = _reason(choice)
    note = choice.note.strip()
    if choice.kind == DecisionKind.QUESTION and not note:
        raise SelectionError("Write your question: it is empty.", field="note")
    decision = CandidateDecision(candidate=candidate, decided_by=by, kind=choice.kind,
                                 reason=reason, note=note, decided_at=utcnow())
    db.session.add(decision)
    if choice.kind == DecisionKind.QUESTION:
        decision.question = questions.ask_question(
            candidate.project, author=by, body=f"About {client_label(candidate)}: {note}")
    if previous is not None:
        previous.superseded_at = decision.decided_at
    db.session.flush()
    audit.record(f"candidate.decision_{choice.kind.value}", actor=by, target=candidate,
                 organization=candidate.project.organization,
                 summary=reason.label if reason else "")
    return decision


def _reason(choice: DecisionInput) -> RejectionReason | None:
    if choice.kind != DecisionKind.NOT_A_FIT:
        return None
    reason = db.session.get(RejectionReason, choice.reason_id or 0)
    if reason is None or reason.retired_at is not None:
        raise SelectionError("Choose a reason from the list.", field="reason_id")
    return reason


def act_on_decision(decision: CandidateDecision, *, by: User) -> None:
    """Staff acted on the client's decision: it can no longer be changed by the client."""
    if not decision.is_current:
        raise SelectionError("That decision was changed meanwhile: act on the new one.",
                             field="kind")
    if decision.acted_on_at is None:
        decision.acted_on_at, decision.acted_on_by = utcnow(), by
        db.session.flush()
        audit.record("candidate.decision_acted_on", actor=by, target=decision.candidate,
                     organization=decision.candidate.project.organization,
                     summary=decision.kind.value)


def client_label(candidate: Candidate) -> str:
    """The name the client sees: the display name, or "Candidate A" when presented
    anonymously (the letter follows the order candidates were added to the project)."""
    if not candidate.anonymous:
        return candidate.display_name
    earlier = db.session.scalar(select(func.count(Candidate.id)).where(
        Candidate.project_id == candidate.project_id, Candidate.anonymous.is_(True),
        Candidate.id < candidate.id)) or 0
    return f"Candidate {_letters(earlier)}"


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def note_view(candidate: Candidate, *, by: User) -> None:
    """Record a client's view of a profile (the first one is kept for staff), and audit it."""
    if by.is_staff:
        return
    now = utcnow()
    view = db.session.scalar(select(CandidateView).where(
        CandidateView.candidate_id == candidate.id, CandidateView.user_id == by.id))
    if view is None:
        db.session.add(CandidateView(candidate_id=candidate.id, user_id=by.id,
                                     first_viewed_at=now, last_viewed_at=now))
    else:
        view.last_viewed_at, view.views = now, view.views + 1
    db.session.flush()
    audit.record("candidate.viewed", actor=by, target=candidate,
                 organization=candidate.project.organization)


def note_cv_download(candidate: Candidate, *, by: User) -> None:
    """Audit a CV download."""
    audit.record("candidate.cv_downloaded", actor=by, target=candidate,
                 organization=candidate.project.organization, summary=candidate.cv_filename or "")


def first_views(candidates: list[Candidate]) -> dict[int, datetime]:
    """For staff: when a client user first opened each candidate's profile."""
    if not candidates:
        return {}
    rows = db.session.execute(select(CandidateView.candidate_id,
                                     func.min(CandidateView.first_viewed_at))
                              .where(CandidateView.candidate_id.in_([c.id for c in candidates]))
                              .group_by(CandidateView.candidate_id))
    return {candidate_id: first for candidate_id, first in rows}


def erase_candidate(candidate: Candidate, *, by: User | None, why: str = "by an admin") -> None:
    """Erase a candidate's personal data (profile, CV, decisions' notes, views), keeping the
    anonymous row and its dated history, so the funnel's counts stay true."""
    if candidate.is_erased:
        return
    organization = candidate.project.organization
    candidate.display_name, candidate.anonymous = ERASED_NAME, True
    for key in ("headline", "location", "availability", "rate_band", "skills", "summary_md",
                "why_chosen_md"):
        setattr(candidate, key, "")
    candidate.cv = candidate.cv_filename = candidate.cv_size = None
    for decision in candidate.decisions:
        decision.note = ""
    candidate.screening_steps.clear()
    db.session.execute(CandidateView.__table__.delete().where(
        CandidateView.candidate_id == candidate.id))
    from portal.selection import placements  # its interviews and check-ins name them too

    placements.forget(candidate)
    candidate.erased_at = utcnow()
    _move(candidate, CandidateStatus.ERASED, by=by, at=candidate.erased_at)
    db.session.flush()
    audit.record("candidate.erased", actor=by, target=candidate, organization=organization,
                 summary=why)


def erase_closed_projects_candidates(today: date) -> int:
    """Erase the candidates of projects closed more than the retention days ago."""
    cutoff = today - timedelta(days=get_settings().retention_days)
    stmt = (select(Candidate).join(Candidate.project)
            .where(Project.closed_on.is_not(None), Project.closed_on <= cutoff,
                   Candidate.erased_at.is_(None)).order_by(Candidate.id))
    erased = 0
    for candidate in db.session.scalars(stmt).all():
        erase_candidate(candidate, by=None, why=f"kept {get_settings().retention_days} days "
                                               "after the project closed")
        erased += 1
    return erased


def add_reason(label: str, *, by: User) -> RejectionReason:
    """Add a reason to the list clients choose from."""
    label = " ".join(label.split())
    if not label:
        raise SelectionError("Give the reason's wording.", field="label")
    taken = db.session.scalar(select(RejectionReason).where(
        func.lower(RejectionReason.label) == label.lower()))
    if taken is not None:
        if taken.retired_at is None:
            raise SelectionError(f"“{label}” is on the list already.", field="label")
        taken.retired_at = None  # back on the list
        reason = taken
    else:
        position = db.session.scalar(select(func.coalesce(func.max(RejectionReason.position),
                                                          -1))) + 1
        reason = RejectionReason(label=label, position=position)
        db.session.add(reason)
    db.session.flush()
    audit.record("selection.reason_added", actor=by, summary=label)
    return reason


def retire_reason(reason: RejectionReason, *, by: User) -> None:
    """Take a reason off the list; decisions that gave it keep it."""
    if len(active_reasons()) <= 1 and reason.retired_at is None:
        raise SelectionError("Keep at least one reason on the list.", field="label")
    reason.retired_at = reason.retired_at or utcnow()
    db.session.flush()
    audit.record("selection.reason_retired", actor=by, summary=reason.label)
