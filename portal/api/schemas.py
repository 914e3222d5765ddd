"""What the API reads and writes, as marshmallow schemas: the OpenAPI document is built from
these. Timestamps are ISO 8601 in UTC; dates are ISO dates; ids are integers."""

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from portal.auth.models import Role
from portal.db import MAX_ID
from portal.health.models import Band
from portal.projects.models import Confidence, ProjectStatus, QuestionKind
from portal.pulses.models import Scale
from portal.touchpoints.models import MAX_NOTE, MAX_PEOPLE, MAX_SUMMARY, TouchpointKind

ID_RANGE = v.Range(min=1, max=MAX_ID)  # what an id column holds
# Typed text has no control characters (PostgreSQL refuses NUL; the forms refuse them all);
# a multi-line text keeps its line breaks and tabs.
ONE_LINE = v.Regexp(r"^[^\u0000-\u001f\u007f]*$", error="No control characters.")
MULTI_LINE = v.Regexp(r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$",
                      error="No control characters.")


def one_line(low: int, high: int) -> list:
    """Length and no control characters, for names and ids."""
    return [v.Length(min=low, max=high), ONE_LINE]


def multi_line(low: int, high: int) -> list:
    """Length and no control characters but line breaks, for bodies and summaries."""
    return [v.Length(min=low, max=high), MULTI_LINE]


EXTERNAL_ID = {"validate": one_line(1, 64),
               "metadata": {"description": "The id of this record in the firm's other tool"}}


def _nullable(field_class, **kwargs):
    return field_class(allow_none=True, **kwargs)


class Account(ma.Schema):
    """A client organisation."""

    id = f.Integer(required=True)
    external_id = _nullable(f.String)
    name = f.String(required=True)
    slug = f.String(required=True)
    timezone = f.String(required=True)
    account_owner_id = _nullable(f.Integer)
    care_owner_id = _nullable(f.Integer)
    created_at = f.AwareDateTime(required=True)
    archived_at = _nullable(f.AwareDateTime)


class Person(ma.Schema):
    """A client contact or a member of staff."""

    id = f.Integer(required=True)
    external_id = _nullable(f.String)
    email = f.String(required=True)
    name = f.String(required=True)
    job_title = _nullable(f.String)
    phone = _nullable(f.String)
    active = f.Boolean(required=True)
    created_at = f.AwareDateTime(required=True)
    last_sign_in_at = _nullable(f.AwareDateTime)


class Contact(Person):
    """A client user; creating one sends them an invitation."""

    account_id = f.Integer(required=True, attribute="organization_id")


class Staff(Person):
    """A member of the firm's staff."""

    role = f.Enum(Role, by_value=True, required=True)


class Project(ma.Schema):
    """A client's project: status, ETA with confidence, contact, cadence."""

    id = f.Integer(required=True)
    external_id = _nullable(f.String)
    account_id = f.Integer(required=True, attribute="organization_id")
    name = f.String(required=True)
    summary = f.String(required=True)
    status = f.Enum(ProjectStatus, by_value=True, required=True)
    eta = _nullable(f.Date)
    eta_confidence = f.Enum(Confidence, by_value=True, required=True)
    contact_id = _nullable(f.Integer)
    update_cadence_days = f.Integer(required=True)
    started_on = _nullable(f.Date)
    closed_on = _nullable(f.Date)
    created_at = f.AwareDateTime(required=True)
    archived_at = _nullable(f.AwareDateTime)


class Milestone(ma.Schema):
    """A step of a project with its owner and ETA."""

    id = f.Integer(required=True)
    external_id = _nullable(f.String)
    project_id = f.Integer(required=True)
    title = f.String(required=True)
    position = f.Integer(required=True)
    owner_id = _nullable(f.Integer)
    planned_on = _nullable(f.Date)
    eta = _nullable(f.Date)
    completed_on = _nullable(f.Date)


class Update(ma.Schema):
    """A published status update."""

    id = f.Integer(required=True)
    project_id = f.Integer(required=True)
    author_id = _nullable(f.Integer)
    body = f.String(required=True)
    status = f.Enum(ProjectStatus, by_value=True, required=True)
    eta = _nullable(f.Date)
    eta_confidence = f.Enum(Confidence, by_value=True, required=True)
    internal_note = _nullable(f.String)
    ask_feedback = f.Boolean(required=True)
    published_at = f.AwareDateTime(required=True)
    edited_at = _nullable(f.AwareDateTime)


class Reply(ma.Schema):
    """A message in a question's thread."""

    id = f.Integer(required=True)
    author_id = _nullable(f.Integer)
    body = f.String(required=True)
    posted_at = f.AwareDateTime(required=True)


class Question(ma.Schema):
    """A client's question (or request) on a project, with its replies."""

    id = f.Integer(required=True)
    project_id = f.Integer(required=True)
    author_id = _nullable(f.Integer)
    kind = f.Enum(QuestionKind, by_value=True, required=True)
    body = f.String(required=True)
    asked_at = f.AwareDateTime(required=True)
    first_answered_at = _nullable(f.AwareDateTime)
    replies = f.List(f.Nested(Reply), required=True)


class PulseAnswer(ma.Schema):
    """A client's score for one pulse question."""

    id = f.Integer(required=True)
    request_id = f.Integer(required=True)
    question_id = f.Integer(required=True)
    scale = f.Enum(Scale, by_value=True, required=True)
    score = f.Integer(required=True)
    comment = _nullable(f.String)
    answered_at = f.AwareDateTime(required=True)


class FollowUp(ma.Schema):
    """What staff do about a low pulse answer."""

    id = f.Integer(required=True)
    request_id = f.Integer(required=True)
    owner_id = _nullable(f.Integer)
    reason = f.String(required=True)
    opened_at = f.AwareDateTime(required=True)
    due_at = f.AwareDateTime(required=True)
    resolved_at = _nullable(f.AwareDateTime)
    resolution = _nullable(f.String)
    resolved_by_id = _nullable(f.Integer)


class Closeout(ma.Schema):
    """A project's closeout summary and hand-off to client care."""

    id = f.Integer(required=True)
    project_id = f.Integer(required=True)
    summary = f.String(required=True)
    outcomes = f.String(required=True)
    lessons = f.String(required=True)
    care_contact_id = _nullable(f.Integer)
    care_reach = f.String(required=True)
    care_next_steps = f.String(required=True)
    published_at = _nullable(f.AwareDateTime)
    updated_at = f.AwareDateTime(required=True)


class HealthSnapshot(ma.Schema):
    """An account's weekly health score with its metrics (internal: never shown to clients)."""

    id = f.Integer(required=True)
    account_id = f.Integer(required=True, attribute="organization_id")
    week_start = f.Date(required=True)
    score = _nullable(f.Integer)
    band = _nullable(f.Enum, enum=Band, by_value=True)
    metrics = f.List(f.Dict(), required=True)
    computed_at = f.AwareDateTime(required=True)


class Touchpoint(ma.Schema):
    """A call, meeting or site visit with a client; `note` is internal (never shown to
    clients), `client_summary` is what the client sees under "Recent contact"."""

    id = f.Integer(required=True)
    account_id = f.Integer(required=True, attribute="organization_id")
    kind = f.Enum(TouchpointKind, by_value=True, required=True)
    occurred_on = f.Date(required=True, metadata={"description": "in the account's timezone"})
    staff_id = _nullable(f.Integer, metadata={"description": "who from the firm"})
    client_people = f.String(required=True, metadata={"description": "who from the client"})
    note = f.String(required=True)
    client_summary = _nullable(f.String)
    recorded_at = f.AwareDateTime(required=True)
    recorded_by_id = _nullable(f.Integer)


# What the API accepts --------------------------------------------------------------------

class ProjectCreate(ma.Schema):
    """A new project for an account; an external_id lets a sync find it again."""

    account_id = f.Integer(required=True, validate=ID_RANGE)
    name = f.String(required=True, validate=one_line(1, 160))
    summary = f.String(load_default="", validate=multi_line(0, 5000))
    external_id = _nullable(f.String, **EXTERNAL_ID)
    contact_id = _nullable(f.Integer, validate=ID_RANGE)
    eta = _nullable(f.Date)
    eta_confidence = f.Enum(Confidence, by_value=True, load_default=Confidence.MEDIUM)
    update_cadence_days = f.Integer(load_default=7, validate=v.Range(1, 90))
    started_on = _nullable(f.Date)


class ProjectUpsert(ProjectCreate):
    """The whole project as the firm's other tool has it (its external_id is in the URL)."""

    class Meta:
        exclude = ("external_id",)

    eta = _nullable(f.Date, metadata={"description": "set on creation only"})
    eta_confidence = f.Enum(Confidence, by_value=True, load_default=Confidence.MEDIUM,
                            metadata={"description": "set on creation only"})
    started_on = _nullable(f.Date, metadata={"description": "set on creation only"})


class ProjectChange(ma.Schema):
    """The details of a project to change (status and ETA change by publishing an update)."""

    name = f.String(validate=one_line(1, 160))
    summary = f.String(validate=multi_line(0, 5000))
    external_id = _nullable(f.String, **EXTERNAL_ID)
    contact_id = _nullable(f.Integer, validate=ID_RANGE)
    update_cadence_days = f.Integer(validate=v.Range(1, 90))
    archived = f.Boolean(metadata={"description": "true archives it (off its client's "
                                                  "dashboard, nothing deleted); false restores"})


class MilestoneCreate(ma.Schema):
    """A new milestone at the end of a project's plan."""

    title = f.String(required=True, validate=one_line(1, 160))
    owner_id = _nullable(f.Integer, validate=ID_RANGE)
    planned_on = _nullable(f.Date)
    external_id = _nullable(f.String, **EXTERNAL_ID)


class MilestoneUpsert(MilestoneCreate):
    """The whole milestone as the firm's other tool has it (its external_id is in the URL)."""

    class Meta:
        exclude = ("external_id",)

    project_id = f.Integer(required=True, validate=ID_RANGE)
    planned_on = _nullable(f.Date, metadata={"description": "set on creation only"})


class MilestoneChange(ma.Schema):
    """What to change of a milestone, as its edit page does, or its delivery."""

    title = f.String(validate=one_line(1, 160))
    owner_id = _nullable(f.Integer, validate=ID_RANGE)
    position = f.Integer(validate=v.Range(0, 999), metadata={
        "description": "its place in the plan, 0 first; the others move up or down"})
    external_id = _nullable(f.String, **EXTERNAL_ID)
    completed_on = _nullable(f.Date, metadata={
        "description": "the day it was delivered (not a future day); a delivered milestone "
                       "is never reopened"})


# As the admin's forms take them; empty or null is none. Left out, they stay as they are.
JOB_TITLE = {"validate": one_line(0, 120), "metadata": {"description": "shown with their name"}}
PHONE = {"validate": one_line(0, 40), "metadata": {"description": "shown with their name"}}


class ContactCreate(ma.Schema):
    """A client contact to invite."""

    account_id = f.Integer(required=True, validate=ID_RANGE)
    email = f.Email(required=True, validate=one_line(3, 254))
    name = f.String(required=True, validate=one_line(1, 120))
    job_title = _nullable(f.String, **JOB_TITLE)
    phone = _nullable(f.String, **PHONE)


class ContactUpsert(ContactCreate):
    """The contact as the firm's other tool has it (its external_id is in the URL); an
    existing contact's email must stay the same, and a job title or phone left out stays."""


class ContactChange(ma.Schema):
    """What to change of a client contact."""

    name = f.String(validate=one_line(1, 120))
    job_title = _nullable(f.String, **JOB_TITLE)
    phone = _nullable(f.String, **PHONE)
    external_id = _nullable(f.String, **EXTERNAL_ID)
    active = f.Boolean(metadata={"description": "false stops their sign-in and ends their "
                                                "sessions; true allows it again"})


class UpdateCreate(ma.Schema):
    """An update to publish, as the staff form does: a later ETA needs a reason."""

    body = f.String(required=True, validate=multi_line(1, 20000))
    status = f.Enum(ProjectStatus, by_value=True, required=True)
    eta = _nullable(f.Date)
    eta_confidence = _nullable(f.Enum, enum=Confidence, by_value=True)
    reason = _nullable(f.String, validate=multi_line(0, 2000))
    internal_note = _nullable(f.String, validate=multi_line(0, 5000))
    ask_feedback = f.Boolean(load_default=False)


class QuestionCreate(ma.Schema):
    """A question or request on a project, asked on the client's behalf."""

    body = f.String(required=True, validate=multi_line(1, 10000))
    kind = f.Enum(QuestionKind, by_value=True, load_default=QuestionKind.QUESTION)


class ReplyCreate(ma.Schema):
    """A reply from staff in a question's thread."""

    body = f.String(required=True, validate=multi_line(1, 10000))


class CloseoutCreate(ma.Schema):
    """A finished project's closeout, as the staff closeout form publishes it (Markdown)."""

    summary = f.String(required=True, validate=multi_line(1, 20000),
                       metadata={"description": "what was delivered"})
    outcomes = f.String(required=True, validate=multi_line(1, 20000),
                        metadata={"description": "outcomes against what was planned"})
    lessons = f.String(load_default="", validate=multi_line(0, 20000))
    care_contact_id = f.Integer(required=True, validate=ID_RANGE, metadata={
        "description": "who on staff takes over the client's care"})
    care_reach = f.String(load_default="", validate=multi_line(0, 500))
    care_next_steps = f.String(required=True, validate=multi_line(1, 5000))
    delivered_on = _nullable(f.Date, metadata={
        "description": "the day the work was delivered (an open project closes on it); "
                       "today where the client is when left out"})


class CloseoutChange(ma.Schema):
    """What to change of a published closeout, as the staff closeout page edits it (Markdown);
    fields left out stay as they are. Its delivery date is not changed: the project closed
    on it."""

    summary = f.String(validate=multi_line(1, 20000),
                       metadata={"description": "what was delivered"})
    outcomes = f.String(validate=multi_line(1, 20000),
                        metadata={"description": "outcomes against what was planned"})
    lessons = f.String(validate=multi_line(0, 20000))
    care_contact_id = f.Integer(validate=ID_RANGE, metadata={
        "description": "who on staff takes over the client's care"})
    care_reach = f.String(validate=multi_line(0, 500))
    care_next_steps = f.String(validate=multi_line(1, 5000))


class TouchpointCreate(ma.Schema):
    """A call, meeting or site visit that has happened, logged as from the account page."""

    kind = f.Enum(TouchpointKind, by_value=True, required=True)
    occurred_on = f.Date(required=True, metadata={
        "description": "on or before today in the account's timezone"})
    staff_id = _nullable(f.Integer, validate=ID_RANGE, metadata={
        "description": "who from the firm; the key's creator when left out"})
    client_people = f.String(required=True, validate=one_line(1, MAX_PEOPLE))
    note = f.String(load_default="", validate=multi_line(0, MAX_NOTE),
                    metadata={"description": "internal: never shown to clients"})
    client_summary = _nullable(f.String, validate=multi_line(0, MAX_SUMMARY), metadata={
        "description": "shown to the client under Recent contact"})
