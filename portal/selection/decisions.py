"""The client's decisions on presented candidates, and staff acting on them. Functions
flush; the caller commits."""

from dataclasses import dataclass

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock
from portal.db import utcnow
from portal.extensions import db
from portal.projects import questions
from portal.selection.models import Candidate, CandidateDecision, DecisionKind, RejectionReason
from portal.selection.profiles import SelectionError
from portal.selection.shortlists import client_label, is_expired


def current_decision(candidate: Candidate) -> CandidateDecision | None:
    """The client's decision in force on the candidate, if any."""
    return next((d for d in reversed(candidate.decisions) if d.is_current), None)


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
