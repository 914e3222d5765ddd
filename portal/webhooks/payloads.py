"""What each webhook event says: the data builders and, beside them, each payload's JSON Schema.

Every payload is `{"type", "timestamp", "data", "version"}`; `version` changes only when a
field is removed or changes meaning (new fields may appear at any time). The schemas are plain
dicts so the API's OpenAPI document can list them in its `webhooks` section
(webhook_schemas()). The builders read the models given to them (imported for types only, so
this module loads no feature's code) and never include internal notes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from portal.notifications.rendering import absolute_url
from portal.webhooks.models import EventType

if TYPE_CHECKING:
    from portal.accounts.models import Organization
    from portal.auth.models import User
    from portal.closeout.models import Closeout
    from portal.health.models import HealthAlert
    from portal.projects.models import EtaChange, Milestone, Project, Question, Reply, StatusUpdate
    from portal.pulses.models import FollowUp, PulseAnswer, PulseRequest

VERSION = 1


def envelope(event_type: EventType, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The versioned payload every event is sent as."""
    return {"type": event_type.value, "timestamp": timestamp(at), "data": data,
            "version": VERSION}


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def _organization(organization: Organization) -> dict[str, Any]:
    return {"id": organization.id, "name": organization.name}


def _project(project: Project) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "organization": _organization(
        project.organization), "url": absolute_url("projects.show", project_id=project.id)}


def update_published(update: StatusUpdate) -> dict[str, Any]:
    """A status update as the client reads it (no internal note)."""
    return {"id": update.id, "project": _project(update.project), "status": update.status.value,
            "eta": _day(update.eta), "eta_confidence": update.eta_confidence.value,
            "body": update.body, "author": _person(update.author),
            "published_at": timestamp(update.published_at)}


def eta_changed(change: EtaChange) -> dict[str, Any]:
    """A project's or a milestone's ETA moved, with the reason the client was given."""
    milestone = change.milestone
    return {"id": change.id, "project": _project(change.project),
            "milestone": {"id": milestone.id, "title": milestone.title} if milestone else None,
            "old_eta": _day(change.old_eta), "new_eta": _day(change.new_eta),
            "reason": change.reason, "changed_by": _person(change.changed_by),
            "changed_at": timestamp(change.changed_at)}


def milestone_completed(milestone: Milestone) -> dict[str, Any]:
    """A milestone done, and on which day."""
    return {"id": milestone.id, "title": milestone.title, "project": _project(milestone.project),
            "completed_on": _day(milestone.completed_on), "owner": _person(milestone.owner)}


def question_asked(question: Question) -> dict[str, Any]:
    """A client's question or concern on a project."""
    return {"id": question.id, "kind": question.kind.value, "body": question.body,
            "project": _project(question.project), "author": _person(question.author),
            "asked_at": timestamp(question.asked_at)}


def question_answered(reply: Reply) -> dict[str, Any]:
    """Someone at the firm replied to a client's question."""
    question = reply.question
    return {"id": reply.id, "question": {"id": question.id, "kind": question.kind.value,
                                         "body": question.body},
            "body": reply.body, "project": _project(question.project),
            "author": _person(reply.author), "posted_at": timestamp(reply.posted_at)}


def pulse_answered(request: PulseRequest, answers: list[PulseAnswer]) -> dict[str, Any]:
    """A client's answers to a pulse (each score on its scale, with its comment)."""
    return {"id": request.id, "organization": _organization(request.organization),
            "project": _project(request.project) if request.project else None,
            "trigger": request.trigger.value, "respondent": _person(request.user),
            "contact_requested": bool(request.contact_requested),
            "answers": [{"scale": a.scale.value, "score": a.score, "comment": a.comment,
                         "low": a.scale.is_low(a.score)} for a in answers],
            "answered_at": timestamp(request.answered_at)}


def follow_up(follow_up: FollowUp) -> dict[str, Any]:
    """A follow-up of an unhappy answer: why, whose, by when, and how it was resolved."""
    request = follow_up.request
    return {"id": follow_up.id, "organization": _organization(request.organization),
            "pulse_id": request.id, "reason": follow_up.reason, "owner": _person(follow_up.owner),
            "opened_at": timestamp(follow_up.opened_at), "due_at": timestamp(follow_up.due_at),
            "resolved_at": timestamp(follow_up.resolved_at), "resolution": follow_up.resolution,
            "resolved_by": _person(follow_up.resolved_by)}


def closeout_published(closeout: Closeout) -> dict[str, Any]:
    """A project closed out: its summary and the client-care contact."""
    return {"id": closeout.id, "project": _project(closeout.project), "summary": closeout.summary,
            "care_contact": _person(closeout.care_contact),
            "published_at": timestamp(closeout.published_at)}


def health_alert(alert: HealthAlert) -> dict[str, Any]:
    """Staff-side: an account's health score fell 10+ points in a week or entered red."""
    return {"id": alert.id, "organization": _organization(alert.organization),
            "week_start": _day(alert.week_start), "score": alert.score,
            "previous_score": alert.previous_score, "dropped_by": alert.dropped_by,
            "entered_red": alert.entered_red, "raised_at": timestamp(alert.raised_at)}


def contact_invited(user: User, by: User) -> dict[str, Any]:
    """A client contact was sent an invitation to the portal."""
    return {"id": user.id, "name": user.name, "email": user.email,
            "organization": _organization(user.organization), "invited_by": _person(by)}


# --- JSON Schemas -------------------------------------------------------------------------

STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
MAYBE_MOMENT = {"type": ["string", "null"], "format": "date-time"}
MAYBE_STRING = {"type": ["string", "null"]}


def _object(properties: dict[str, Any], nullable: bool = False) -> dict[str, Any]:
    return {"type": ["object", "null"] if nullable else "object", "properties": properties,
            "required": list(properties)}


PERSON = _object({"id": INTEGER, "name": STRING}, nullable=True)
ORGANIZATION = _object({"id": INTEGER, "name": STRING})
PROJECT = _object({"id": INTEGER, "name": STRING, "organization": ORGANIZATION,
                   "url": {"type": "string", "format": "uri"}})

DATA_SCHEMAS: dict[EventType, dict[str, Any]] = {
    EventType.UPDATE_PUBLISHED: _object({
        "id": INTEGER, "project": PROJECT, "status": STRING, "eta": DATE,
        "eta_confidence": {"enum": ["low", "medium", "high"]}, "body": STRING,
        "author": PERSON, "published_at": MOMENT}),
    EventType.ETA_CHANGED: _object({
        "id": INTEGER, "project": PROJECT,
        "milestone": _object({"id": INTEGER, "title": STRING}, nullable=True),
        "old_eta": DATE, "new_eta": DATE, "reason": MAYBE_STRING, "changed_by": PERSON,
        "changed_at": MOMENT}),
    EventType.MILESTONE_COMPLETED: _object({
        "id": INTEGER, "title": STRING, "project": PROJECT, "completed_on": DATE,
        "owner": PERSON}),
    EventType.QUESTION_ASKED: _object({
        "id": INTEGER, "kind": STRING, "body": STRING, "project": PROJECT, "author": PERSON,
        "asked_at": MOMENT}),
    EventType.QUESTION_ANSWERED: _object({
        "id": INTEGER, "question": _object({"id": INTEGER, "kind": STRING, "body": STRING}),
        "body": STRING, "project": PROJECT, "author": PERSON, "posted_at": MOMENT}),
    EventType.PULSE_ANSWERED: _object({
        "id": INTEGER, "organization": ORGANIZATION, "project": {**PROJECT, "type": [
            "object", "null"]}, "trigger": STRING, "respondent": PERSON,
        "contact_requested": BOOLEAN,
        "answers": {"type": "array", "items": _object({
            "scale": {"enum": ["csat", "nps", "ces"]}, "score": INTEGER,
            "comment": MAYBE_STRING, "low": BOOLEAN})},
        "answered_at": MAYBE_MOMENT}),
    EventType.CLOSEOUT_PUBLISHED: _object({
        "id": INTEGER, "project": PROJECT, "summary": STRING, "care_contact": PERSON,
        "published_at": MAYBE_MOMENT}),
    EventType.HEALTH_ALERT: _object({
        "id": INTEGER, "organization": ORGANIZATION, "week_start": DATE, "score": INTEGER,
        "previous_score": {"type": ["integer", "null"]},
        "dropped_by": {"type": ["integer", "null"]}, "entered_red": BOOLEAN,
        "raised_at": MOMENT}),
    EventType.CONTACT_INVITED: _object({
        "id": INTEGER, "name": STRING, "email": {"type": "string", "format": "email"},
        "organization": ORGANIZATION, "invited_by": PERSON}),
}
DATA_SCHEMAS[EventType.FOLLOW_UP_OPENED] = DATA_SCHEMAS[EventType.FOLLOW_UP_RESOLVED] = _object({
    "id": INTEGER, "organization": ORGANIZATION, "pulse_id": INTEGER, "reason": STRING,
    "owner": PERSON, "opened_at": MOMENT, "due_at": MOMENT, "resolved_at": MAYBE_MOMENT,
    "resolution": MAYBE_STRING, "resolved_by": PERSON})


def webhook_schemas() -> dict[str, dict]:
    """Each event type's whole payload as a JSON Schema (2020-12), for the OpenAPI document."""
    return {
        event_type.value: {
            "title": f"{event_type.value} (version {VERSION})",
            **_object({"type": {"const": event_type.value}, "timestamp": MOMENT,
                       "data": DATA_SCHEMAS[event_type], "version": {"const": VERSION}}),
        }
        for event_type in EventType
    }
