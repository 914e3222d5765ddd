"""Very long and odd Unicode input in every field of every form a client, staff or admin can
post, and huge numbers in URLs: never a 500. Either the value is stored intact, or the form
page says what is wrong with that field and nothing in the database changes."""

import html
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms import Form

from portal.auth.models import Role, User
from portal.extensions import db
from portal.forms import PortalForm, PortalSubform
from portal.projects.models import Project, ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseRequest
from portal.selection import admin_settings, interviews, placements, profiles, shortlists
from portal.selection.models import Candidate
from tests.conftest import csrf_token
from tests.selection.placement_setup import presented
from tests.support.factories import PASSWORD
from tests.support.forms import hidden_fields
from tests.support.hostile import post_form_fields
from tests.webhooks.support import register

# Turned down, with a message on the field, whatever the field.
REFUSED = {
    "a null byte": "before\x00after",
    "control characters": "bell\x07 escape\x1b unit separator\x1f",
    "100,000 characters": "x" * 100_000,
}
# One-line fields take no line break (a name in an email header would end the header there),
# and a date must be one the portal can count with (9999-12-31 plus a day overflows); a whole
# number of 400 digits is refused before a range check turns it into a float (which overflows).
ONE_LINE = {"a line break": "Elena\r\nBcc: x@evil.example", "a Unicode line break": "a\u2028b"}
REFUSED_BY_KIND = {"text": ONE_LINE, "email": ONE_LINE, "tel": ONE_LINE, "search": ONE_LINE,
                   "url": ONE_LINE, "date": {"a far date": "9999-12-31"},
                   "number": {"400 digits": "9" * 400}}
# Odd but real text: stored and shown as typed, or explained (too long, not an email ...).
ODD = ("Jo \u202eevil.exe\u202c 👨\u200d👩\u200d👧 👍🏽 顧客ポータル \uffff 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 "
       "Ame\u0301lie")
KEPT_OR_EXPLAINED = {"odd Unicode": ODD, "combining marks 200 deep": "Z" + "\u0336" * 200}
# Bytes no browser sends but anyone can: a UTF-16 surrogate encoded as UTF-8, and 0xFF.
# Werkzeug reads bytes that are not UTF-8 as their %XX text, so that is what is stored.
INVALID_UTF8 = "bad%ED%A0%80bytes%FF"
WIDE = "界😀"  # a CJK character and one outside the BMP: one character each, 3 and 4 bytes


def _sized(length: int) -> str:
    """Text of exactly this many characters, none of them ASCII."""
    return (WIDE * length)[:length]


@dataclass
class FormSpec:
    """A form someone can post: who, the page showing it and the route it posts to (as the
    URL map writes them), and what else it needs to be valid."""

    who: str
    page: str
    action: str
    fill: dict[str, str] = field(default_factory=dict)
    refused_by_redirect: bool = False  # an inline form: refused back to its page, flashed
    finished_project: bool = False  # the project in its URL is done (closeouts)
    placement: bool = False  # the project in its URL has candidates (so no typed funnel)
    # URL values for this form alone: a literal, or the name of another fixture value.
    url_values: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        sent = self.page if self.page == self.action else f"{self.page} -> {self.action}"
        return f"{self.who} {sent}"


FORMS = [
    FormSpec("anonymous", "/login", "/login",
             {"email": "priya@firm.example", "password": "not the password"}),
    FormSpec("anonymous", "/login/forgot", "/login/forgot"),
    FormSpec("anonymous", "/login/email-link", "/login/email-link"),
    FormSpec("client", "/account", "/account", {"name": "Jordan"}),
    FormSpec("client", "/account/email", "/account/email", {"password": PASSWORD}),
    FormSpec("staff", "/staff/profile", "/staff/profile", {"name": "Priya Nair"}),
    FormSpec("admin", "/admin/people/<int:user_id>", "/admin/people/<int:user_id>",
             {"name": "Priya Nair"}),
    FormSpec("client", "/projects/<int:project_id>", "/projects/<int:project_id>/questions",
             {"body": "When?"}),
    FormSpec("client", "/pulses/<token>", "/pulses/<token>"),
    FormSpec("staff", "/account/confirm", "/account/confirm", {"password": PASSWORD}),
    FormSpec("staff", "/account/password", "/account/password", {"current_password": PASSWORD}),
    FormSpec("staff", "/account/two-factor", "/account/two-factor", {"code": "000000"}),
    FormSpec("staff", "/staff/accounts/new", "/staff/accounts/new"),
    FormSpec("staff", "/staff/accounts/<int:organization_id>/invite",
             "/staff/accounts/<int:organization_id>/invite"),
    FormSpec("staff", "/staff/projects/new", "/staff/projects/new"),
    FormSpec("staff", "/projects/<int:project_id>", "/staff/projects/<int:project_id>/milestones"),
    FormSpec("staff", "/staff/projects/<int:project_id>/milestones/<int:milestone_id>/edit",
             "/staff/projects/<int:project_id>/milestones/<int:milestone_id>/edit"),
    FormSpec("staff", "/staff/projects/<int:project_id>/edit",
             "/staff/projects/<int:project_id>/edit"),
    FormSpec("staff", "/staff/projects/<int:project_id>/shift",
             "/staff/projects/<int:project_id>/shift", {"days": "3", "reason": "Late parts"}),
    FormSpec("staff", "/staff/accounts/<int:organization_id>/edit",
             "/staff/accounts/<int:organization_id>/edit"),
    FormSpec("staff", "/projects/<int:project_id>", "/staff/projects/<int:project_id>/funnel",
             {"as_of": "2026-01-05"}),
    FormSpec("staff", "/staff/projects/<int:project_id>/updates/new",
             "/staff/projects/<int:project_id>/updates/new", {"action": "publish"}),
    FormSpec("staff", "/staff/updates/<int:update_id>/edit", "/staff/updates/<int:update_id>/edit"),
    FormSpec("staff", "/projects/<int:project_id>",
             "/projects/<int:project_id>/questions/<int:question_id>/replies"),
    FormSpec("staff", "/staff/projects/<int:project_id>/closeout",
             "/staff/projects/<int:project_id>/closeout", {"publish": "Publish"},
             finished_project=True),
    FormSpec("staff", "/staff/health/<int:organization_id>",
             "/staff/health/<int:organization_id>/reviews", {"next_action_on": "2026-01-05"}),
    FormSpec("staff", "/staff/pulses", "/staff/follow-ups/<int:follow_up_id>/resolve",
             refused_by_redirect=True),
    FormSpec("admin", "/admin/users/new", "/admin/users/new", {"role": "staff"}),
    FormSpec("admin", "/admin/accounts/<int:organization_id>/erase",
             "/admin/accounts/<int:organization_id>/erase"),
    FormSpec("admin", "/admin/content/settings", "/admin/content/settings"),
    FormSpec("admin", "/admin/content/values/new", "/admin/content/<any(values, steps):kind>/new",
             {"save": "Save"}, url_values={"kind": "values"}),
    FormSpec("admin", "/admin/content/steps/new", "/admin/content/<any(values, steps):kind>/new",
             {"save": "Save"}, url_values={"kind": "steps"}),
    FormSpec("admin", "/admin/health/settings", "/admin/health/settings"),
    FormSpec("admin", "/admin/content/client-figures", "/admin/content/client-figures"),
    FormSpec("admin", "/admin/asks", "/admin/asks"),
    FormSpec("admin", "/admin/pulses/templates/<int:template_id>",
             "/admin/pulses/templates/<int:template_id>"),
    FormSpec("admin", "/admin/project-templates/new", "/admin/project-templates/new",
             {"milestones-0-title": "Discovery", "milestones-0-duration_days": "5"}),
    FormSpec("admin", "/admin/api-keys", "/admin/api-keys", {"scopes": "read"}),
    FormSpec("admin", "/admin/webhooks", "/admin/webhooks",
             {"url": "https://93.184.215.14/hooks", "kind": "json", "events": "eta.changed"}),
    FormSpec("admin", "/admin/webhooks/<int:endpoint_id>/edit",
             "/admin/webhooks/<int:endpoint_id>/edit",
             {"url": "https://93.184.215.14/hooks", "kind": "json", "events": "eta.changed"}),
    FormSpec("staff", "/staff/projects/<int:project_id>/candidates/new",
             "/staff/projects/<int:project_id>/candidates/new", placement=True),
    FormSpec("staff", "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/edit",
             "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/edit", placement=True),
    FormSpec("staff", "/projects/<int:project_id>/candidates/<int:candidate_id>",
             "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/screening",
             placement=True),
    FormSpec("client", "/projects/<int:project_id>/candidates/<int:candidate_id>",
             "/projects/<int:project_id>/candidates/<int:candidate_id>/decision",
             {"kind": "invite"}, placement=True),
    FormSpec("admin", "/admin/candidates/settings", "/admin/candidates/settings"),
    FormSpec("admin", "/admin/candidates/settings", "/admin/candidates/reasons"),
    FormSpec("admin", "/admin/projects/<int:project_id>/candidates/<int:candidate_id>/erase",
             "/admin/projects/<int:project_id>/candidates/<int:candidate_id>/erase",
             placement=True),
    FormSpec("staff", "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/interview",
             "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/interview",
             {"slot_1": "2099-06-01T10:00", "minutes": "45"}, placement=True),
    FormSpec("client", "/projects/<int:project_id>/candidates/<int:candidate_id>/interview",
             "/projects/<int:project_id>/candidates/<int:candidate_id>/interview/other-times",
             placement=True),
    FormSpec("staff", "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement",
             "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement",
             placement=True),
    FormSpec("staff", "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement",
             "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/placement/left",
             placement=True, url_values={"candidate_id": "placed_candidate_id"}),
    FormSpec("admin", "/admin/check-ins", "/admin/check-ins"),
    FormSpec("staff", "/staff/accounts/<int:organization_id>/touchpoints/new",
             "/staff/accounts/<int:organization_id>/touchpoints/new",
             {"kind": "call", "client_people": "Jordan Lee"}),
    FormSpec("admin", "/admin/touchpoints", "/admin/touchpoints"),
]
# POST routes with no field a person types into: buttons, choices and checkboxes.
NO_TEXT_FIELDS = {
    "/logout", "/admin/project-templates/<int:template_id>/delete",
    "/account/two-factor/recovery-codes",
    "/admin/security", "/admin/users/<int:user_id>/<any(activate, deactivate):action>",
    "/admin/users/<int:user_id>/role", "/admin/users/<int:user_id>/two-factor/reset",
    "/admin/content/<any(values, steps):kind>/<int:item_id>/delete",
    "/admin/content/<any(values, steps):kind>/<int:item_id>/move",
    "/staff/health/alerts/<int:alert_id>/acknowledge",
    "/staff/projects/<int:project_id>/draft/discard",
    "/staff/projects/<int:project_id>/milestones/<int:milestone_id>/delete",
    "/staff/follow-ups/<int:follow_up_id>/close",
    "/staff/health/<int:organization_id>/rescore", "/admin/health/rescore",
    "/admin/webhooks/<int:endpoint_id>/rotate", "/admin/webhooks/<int:endpoint_id>/enable",
    "/admin/webhooks/<int:endpoint_id>/delete",
    "/admin/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again",
    # A file and the plan it was previewed with; tests/imports feeds the file odd cells.
    "/admin/import", "/admin/import/confirm",
    "/staff/projects/<int:project_id>/archive", "/staff/projects/<int:project_id>/restore",
    "/staff/accounts/<int:organization_id>/archive",
    "/staff/accounts/<int:organization_id>/restore",
    "/unsubscribe/<token>", "/login/email-link/<token>", "/account/email/confirm/<token>",
    "/follow-ups/<token>",  # "Did this fix it?": a choice of two buttons
    "/staff/accounts/<int:organization_id>/invitations/<int:user_id>/resend",
    "/staff/accounts/<int:organization_id>/invitations/<int:user_id>/revoke",
    "/staff/accounts/<int:organization_id>/invitations/not-yet-invited",
    "/account/feeds", "/account/feeds/off",
    "/admin/api-keys/<int:key_id>/revoke",
    "/staff/projects/<int:project_id>/candidate-shortlists",
    "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/status",
    "/staff/projects/<int:project_id>/candidates/<int:candidate_id>/decisions/"
    "<int:decision_id>/act",
    "/admin/candidates/reasons/<int:reason_id>/retire",
    "/projects/<int:project_id>/candidates/<int:candidate_id>/interview/book",
    "/staff/accounts/<int:organization_id>/touchpoints/<int:touchpoint_id>/remove",
    "/admin/pulses/values",
}
# JSON, not forms: Schemathesis feeds every API operation generated input (tests/api).
API_PREFIX = "/api/v1/"
# The same form class as a swept route: NewPasswordForm (the new password fields of
# /account/password) behind one-time links; CodeForm (the code of /account/two-factor) after
# the password step and to turn two-factor off; ValueForm and StepForm (.../new) editing an item.
SAME_FORM_AS_SWEPT = {"/invitations/<token>", "/login/reset/<token>", "/login/two-factor",
                      "/account/two-factor/disable",
                      "/admin/content/<any(values, steps):kind>/<int:item_id>/edit",
                      "/admin/project-templates/<int:template_id>/edit"}
# Not a form: renders posted Markdown for the live preview (test below).
PREVIEW = "/staff/preview"


@pytest.fixture
def odd_portal(app, make) -> dict[str, object]:
    """Staff, an admin and a client of Acme with a project, its update, question, a finished
    project to close out, a pulse link and a follow-up: what every form's URL names."""
    app.config.update(SIGN_IN_FREE_FAILURES=1000,
                      SIGN_IN_LIMIT_PER_ADDRESS="1000 per minute",
                      SENSITIVE_FORM_LIMIT="1000 per minute",
                      EMAIL_LINK_LIMIT_PER_ACCOUNT="1000 per minute",
                      EMAIL_LINK_LIMIT_PER_ADDRESS="1000 per minute",
                      PULSE_ANSWER_LIMIT_PER_TOKEN="1000 per minute")
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("admin@firm.example", role=Role.ADMIN)
    client = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Portal rebuild")
    milestone = make.milestone(project, title="Design", owner=staff)
    update = make.update(project, author=staff)
    question = make.question(project, author=client)
    finished = make.project("Acme Corp", name="Data move", status=ProjectStatus.DONE)
    token, follow_up = _unhappy_pulse(app, make, client)
    placement = make.project("Acme Corp", name="Senior Data Engineer")
    candidate_id = _presented_candidate(app, placement.id, staff.id)
    placed = _interview_and_placement(app, candidate_id, placement, staff, client)
    endpoint = register(app, make, "https://93.184.215.14/hooks", events=["update.published"])
    return {"endpoint_id": endpoint.id,"candidate_id": candidate_id, "placement_id": placement.id,
            "placed_candidate_id": placed,
            "project_id": project.id, "finished_id": finished.id,
            "update_id": update.id, "question_id": question.id,
            "organization_id": project.organization_id, "token": token,
            "follow_up_id": follow_up, "template_id": 1, "staff_id": staff.id,
            "milestone_id": milestone.id, "user_id": staff.id}


def _url(template: str, values: dict[str, object]) -> str:
    """A URL-map rule with the fixture's values in it."""
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), template)


def _filled(spec: FormSpec, values: dict[str, object]) -> FormSpec:
    """The spec with real URLs, for the open or the finished project."""
    values = {**values, **{key: values.get(value, value)
                           for key, value in spec.url_values.items()}}
    if spec.finished_project:
        values = {**values, "project_id": values["finished_id"]}
    if spec.placement:
        values = {**values, "project_id": values["placement_id"]}
    fill = {**spec.fill, "care_contact_id": str(values["staff_id"])} \
        if spec.finished_project else spec.fill
    return replace(spec, page=_url(spec.page, values), action=_url(spec.action, values),
                   fill=fill)


def _presented_candidate(app: Flask, project_id: int, staff_id: int) -> int:
    """A candidate presented to the client on the project, and the reasons to decide with."""
    with app.app_context():
        by = db.session.get(User, staff_id)
        admin_settings.seed_defaults()
        candidate = profiles.add_candidate(db.session.get(Project, project_id), by=by,
                                            display_name="Maria Silva",
                                            sourced_on=datetime.now(UTC).date())
        shortlists.present_shortlist(candidate.project, [candidate], by=by)
        db.session.commit()
        return candidate.id


def _unhappy_pulse(app: Flask, make, client) -> tuple[str, int]:
    """A pulse link for the client, and a follow-up opened by an earlier unhappy answer."""
    weeks_ago = datetime.now(UTC) - timedelta(weeks=3)
    earlier, pulse = make.pulse(client, now=weeks_ago), make.pulse(client)
    with app.test_request_context():
        answered = db.session.get(PulseRequest, earlier.id)
        scores = {q.id: q.scale.bounds[0] for q in answered.template.questions}
        pulses.record_answers(answered, scores=scores, comments={}, now=weeks_ago)
        db.session.commit()
        follow_up = db.session.scalars(select(FollowUp.id)).one()
        return pulses.answer_token(db.session.get(PulseRequest, pulse.id)), follow_up


def _interview_and_placement(app: Flask, candidate_id: int, project, staff, client) -> int:
    """Interview times proposed for the presented candidate, and another candidate placed."""
    placed = presented(app, project, "Ravi Shah")
    with app.test_request_context():
        interviews.propose(db.session.get(Candidate, candidate_id),
                           by=db.session.get(User, staff.id), minutes=45, where=None,
                           starts=[datetime.now(UTC) + timedelta(days=7)])
        placements.place(db.session.get(Candidate, placed.id), by=db.session.get(User, staff.id),
                         starts_on=date(2026, 1, 5), hiring_manager=db.session.get(User, client.id))
        db.session.commit()
    return placed.id


def _snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, to tell whether a post changed anything."""
    with app.app_context():
        return {table.name: sorted(map(tuple, db.session.execute(select(table))), key=repr)
                for table in db.metadata.sorted_tables}


def _stored(snapshot: dict[str, list[tuple]], value: str) -> bool:
    """Whether some text column of some row holds the value."""
    return any(isinstance(cell, str) and value in cell
               for rows in snapshot.values() for row in rows for cell in row)


def _explains(page: str) -> bool:
    """The page names what is wrong: a field's error, or a message at the top."""
    return 'class="error"' in page or 'class="flash' in page


def _post(browser: FlaskClient, spec: FormSpec, form: dict[str, str], name: str, raw: str):
    """Post the form as shown, with `raw` (already URL-encoded) as the field `name`."""
    data = {key: value for key, value in {**form, **spec.fill}.items() if key != name}
    return browser.post(spec.action, data=f"{urlencode(data)}&{name}={raw}",
                        content_type="application/x-www-form-urlencoded")


def _variants(kind: str, maxlength: int | None) -> list[tuple[str, str, bool, str]]:
    """(what, value, must be refused, as posted) for one field."""
    variants = [(what, value, True) for what, value in REFUSED.items()]
    variants += [(what, value, True) for what, value in REFUSED_BY_KIND.get(kind, {}).items()]
    variants += [(what, value, False) for what, value in KEPT_OR_EXPLAINED.items()]
    if maxlength:
        variants += [("max length + 1", _sized(maxlength + 1), True),
                     ("max length", _sized(maxlength), False)]
    return [(what, value, refuse, urlencode({"": value})[1:])
            for what, value, refuse in variants] + [
        ("invalid UTF-8", INVALID_UTF8, False, INVALID_UTF8)]


def _sweep(app: Flask, spec: FormSpec, browser: FlaskClient) -> int:
    """Every variant into every field of the form; returns how many posts were made."""
    page = browser.get(spec.page).get_data(as_text=True)
    form, fields = post_form_fields(page, spec.action, spec.page)
    form["csrf_token"] = csrf_token(browser, spec.page)
    assert fields, f"{spec.action}: no field to type into"
    posts, before = 0, _snapshot(app)
    for name, (kind, maxlength) in fields.items():
        checked = False
        for what, value, refuse, raw in sorted(_variants(kind, maxlength),
                                               key=lambda v: not v[2]):
            where = f"{spec.who} {spec.action} {name}: {what}"
            if not refuse and not checked:  # after the refused ones, which come first
                assert _snapshot(app) == before, f"{where}: a refused post changed something"
                checked = True
            response = _post(browser, spec, form, name, raw)
            posts += 1
            assert response.status_code < 500, where
            if refuse and spec.refused_by_redirect:
                assert response.status_code == 302, where
                response = browser.get(response.headers["Location"])
            if refuse or response.status_code not in (302, 303):
                assert response.status_code in (200, 400, 422), where
                assert _explains(response.get_data(as_text=True)), where
            elif kind != "password":
                assert _stored(_snapshot(app), value.strip()), f"{where}: not stored as typed"
            if response.status_code in (302, 303):  # saved: reopened with the new version
                form.update(hidden_fields(browser.get(spec.page).get_data(as_text=True)))
        before = _snapshot(app)
    return posts


def test_every_post_route_with_text_fields_is_swept(app):
    swept = {spec.action for spec in FORMS}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith(API_PREFIX):
            assert rule.rule in swept | NO_TEXT_FIELDS | SAME_FORM_AS_SWEPT | {PREVIEW}, \
                f"{rule.rule} takes a post: sweep its fields here"


def _subclasses(cls: type) -> set[type]:
    """Every class derived from cls, however indirectly."""
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_form_of_the_portal_refuses_control_characters_through_one_base(app):
    forms = {form for form in _subclasses(Form) if form.__module__.startswith("portal.")}
    assert len(forms) >= 25
    for form in forms:
        assert issubclass(form, PortalForm | PortalSubform), f"{form.__qualname__}"


@pytest.mark.parametrize("spec", FORMS, ids=str)
def test_odd_and_very_long_input_in_every_field_is_stored_or_explained(
    app, odd_portal, signed_in, spec
):
    emails = {"client": "jordan@acme.example", "staff": "priya@firm.example",
              "admin": "admin@firm.example"}
    browser = signed_in(emails[spec.who]) if spec.who in emails else app.test_client()
    assert _sweep(app, _filled(spec, odd_portal), browser) >= 6


def test_odd_unicode_is_shown_back_intact_on_pages_and_in_the_pdf(odd_portal, signed_in,
                                                                   post_form):
    staff, client = signed_in("priya@firm.example"), signed_in("jordan@acme.example")
    project, finished = odd_portal["project_id"], odd_portal["finished_id"]
    response = post_form(staff, f"/staff/projects/{project}/updates/new", {
        "status": "on_track", "body": ODD, "eta_confidence": "medium", "action": "publish"})
    assert response.status_code == 302
    response = post_form(staff, f"/staff/projects/{finished}/closeout", {
        "summary": ODD, "outcomes": ODD, "care_next_steps": ODD, "publish": "Publish",
        "care_contact_id": str(odd_portal["staff_id"])})
    assert response.status_code == 302
    assert ODD in client.get(f"/projects/{project}").get_data(as_text=True)
    assert ODD in client.get(f"/projects/{finished}/closeout").get_data(as_text=True)
    pdf = client.get(f"/projects/{finished}/closeout.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_markdown_preview_renders_odd_input_without_failing(odd_portal, signed_in):
    staff = signed_in("priya@firm.example")
    token = csrf_token(staff, "/staff/projects/new")
    for value in [*REFUSED.values(), *KEPT_OR_EXPLAINED.values()]:
        response = staff.post(PREVIEW, data={"body": value, "csrf_token": token})
        assert response.status_code == 200


HUGE = "1" + "0" * 30


ODD_PATHS = [
    f"/projects/{HUGE}", f"/projects/{HUGE}/closeout.pdf", f"/staff/accounts/{HUGE}",
    f"/staff/health/{HUGE}", f"/staff/updates/{HUGE}/edit", "/projects/-1", "/projects/1e9",
    f"/admin/content/values/{HUGE}/edit", f"/admin/pulses/templates/{HUGE}",
    f"/pulses/{'x' * 100_000}", f"/login/reset/{'%00' * 50}", "/static/%00.css",
    f"/unsubscribe/{'%FF' * 100}",
]
ODD_QUERIES = [
    f"page={HUGE}", "page=-5", f"page={'9' * 5000}", "actor_email=a%00b", "since=x%00",
    f"until={'9' * 10_000}", f"organization_id={HUGE}", "action=%FF%FE", f"owner_id={HUGE}",
    "band=%00", f"project_id={HUGE}", f"score={HUGE}", "updates=all%00", f"next={'%2F' * 5000}",
]
PAGES_WITH_QUERIES = ["/admin/audit", "/staff/health", "/staff/health.csv", "/staff/pulses",
                      "/staff/pulses.csv", "/staff/projects/new", "/projects/<int:project_id>",
                      "/account/confirm", "/"]


def test_huge_ids_and_odd_paths_are_not_found(signed_in, make):
    make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    for path in ODD_PATHS:
        assert admin.get(path).status_code in (400, 404), path[:80]


def test_an_id_no_database_holds_is_not_found_whatever_the_method(signed_in, make):
    """Not a 405 because the page's path also has a rule for another method."""
    make.user("admin@firm.example", role=Role.ADMIN)
    admin = signed_in("admin@firm.example")
    for path in ("/projects/2147483648", "/staff/projects/2147483648/closeout",
                 f"/staff/accounts/{HUGE}/edit", "/admin/users/2147483648/deactivate"):
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            assert admin.open(path, method=method).status_code == 404, (method, path)


def test_odd_query_strings_get_the_page_or_a_clean_refusal(signed_in, make):
    make.user("admin@firm.example", role=Role.ADMIN)
    project = make.project("Acme Corp")
    admin = signed_in("admin@firm.example")
    for page in PAGES_WITH_QUERIES:
        for query in ODD_QUERIES:
            path = f"{_url(page, {'project_id': project.id})}?{query}"
            assert admin.get(path).status_code in (200, 302, 400, 404, 422), path[:80]


FAR_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"]
DATE_RANGE_MESSAGE = "Give a date from 1 Jan 2000 to 31 Dec 2099."


@pytest.mark.parametrize("far", FAR_DATES)
def test_a_far_date_in_the_pulse_report_is_explained_and_the_csv_sends_staff_back(
        app, odd_portal, signed_in, far):
    staff = signed_in("priya@firm.example")
    for filters in (f"organization_id=0&since=&until={far}", f"since={far}", f"until={far}"):
        page = staff.get(f"/staff/pulses?{filters}")
        text = page.get_data(as_text=True)
        assert page.status_code == 422, filters
        assert DATE_RANGE_MESSAGE in text and "These filters cannot be used" in text
        assert "over the last 180 days" in text
        export = staff.get(f"/staff/pulses.csv?{filters}")
        assert export.status_code == 302, filters
        assert export.headers["Location"] == f"/staff/pulses?{filters}".replace(
            "organization_id=0&since=&", "organization_id=0&since=&")
    with app.app_context():  # a refused export is not an export
        from portal.audit.models import AuditEvent
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "pulses.exported")).first()


@pytest.mark.parametrize("far", FAR_DATES)
def test_a_far_date_or_a_huge_page_in_the_audit_log_is_explained(app, odd_portal, signed_in,
                                                                  far):
    admin = signed_in("admin@firm.example")
    for filters in (f"since=&until={far}", f"since={far}&until="):
        page = admin.get(f"/admin/audit?action=&actor_email=&organization_id=0&{filters}")
        assert page.status_code == 422
        assert DATE_RANGE_MESSAGE in page.get_data(as_text=True)
    for number in (HUGE, "9" * 5000, "-" + HUGE):
        page = admin.get(f"/admin/audit?action=&actor_email=&organization_id=0&page={number}")
        assert page.status_code == 200 and "Audit log" in page.get_data(as_text=True)


@pytest.mark.parametrize("field", ["eta", "milestones-0-eta", "milestones-0-completed_on"])
def test_a_far_date_in_the_publish_form_is_explained_and_changes_nothing(
        app, odd_portal, signed_in, post_form, field):
    staff = signed_in("priya@firm.example")
    project = odd_portal["project_id"]
    path = f"/staff/projects/{project}/updates/new"
    with app.app_context():
        from portal.projects.models import Milestone, Project
        milestone = db.session.scalars(select(Milestone)).one()
        form = {"status": "on_track", "body": "Moving on.", "eta_confidence": "medium",
                "eta": db.session.get(Project, project).eta.isoformat(),
                "milestones-0-milestone_id": str(milestone.id), "milestones-0-owner_id": "0",
                field: "9999-12-31", "action": "publish"}
    before = _snapshot(app)
    response = post_form(staff, path, form)
    assert response.status_code == 422
    assert DATE_RANGE_MESSAGE in response.get_data(as_text=True)
    assert _snapshot(app) == before
    assert staff.get(f"/projects/{project}").status_code == 200


@pytest.mark.parametrize("milestone_id", ["abc", "", "1.5", "²", HUGE, "-1", "9" * 5000,
                                          "another project's", "deleted"])
def test_an_altered_milestone_id_in_the_publish_form_gets_the_form_back(
        app, odd_portal, signed_in, post_form, make, milestone_id):
    staff = signed_in("priya@firm.example")
    project = odd_portal["project_id"]
    path = f"/staff/projects/{project}/updates/new"
    if milestone_id == "another project's":
        milestone_id = str(make.milestone(make.project("Globex"), title="Theirs").id)
    elif milestone_id == "deleted":  # removed by a colleague while this form was open
        milestone_id = str(odd_portal["project_id"] * 1000 + 7)
    with app.app_context():
        from portal.projects.models import Milestone, Project
        eta = db.session.get(Project, project).eta.isoformat()
        design = db.session.scalars(select(Milestone.id).where(Milestone.title == "Design")).one()
    before = _snapshot(app)
    response = post_form(staff, path, {
        "status": "on_track", "body": "Design is done.", "eta": eta, "eta_confidence": "medium",
        "milestones-0-milestone_id": milestone_id, "milestones-0-completed_on": "2026-01-05",
        "milestones-0-owner_id": "0", "action": "publish"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "The milestones in this form are not this project's" in text
    assert "Design is done." in text  # what staff wrote is kept
    shown = re.findall(r'name="milestones-\d+-milestone_id" type="hidden" value="(\d+)"', text)
    assert shown == [str(design)]  # the project's own open milestones, to check
    assert _snapshot(app) == before


@pytest.mark.parametrize("key", ["milestones-" + "9" * 5000 + "-milestone_id",
                                 "milestones-²-milestone_id", "milestones-99999-milestone_id"])
def test_an_odd_entry_number_in_a_form_with_a_list_is_not_a_500(app, odd_portal, signed_in,
                                                                  post_form, key):
    staff = signed_in("priya@firm.example")
    project = odd_portal["project_id"]
    response = post_form(staff, f"/staff/projects/{project}/updates/new", {
        "status": "on_track", "body": "x", "eta_confidence": "medium", key: "1",
        "action": "preview"})
    assert response.status_code in (200, 422)
    make_admin = signed_in("admin@firm.example")
    template = f"/admin/pulses/templates/{odd_portal['template_id']}"
    response = post_form(make_admin, template, {
        "name": "Monthly", key.replace("milestones", "questions").replace(
            "milestone_id", "prompt"): "How are we doing?"}, template)
    assert response.status_code in (302, 422)
