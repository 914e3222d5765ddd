"""Every page, taken from the URL map, at 1280 and 390 px: axe finds no WCAG A/AA violation,
nothing scrolls sideways and nothing is drawn over anything else.

A new page is checked without anyone listing it: its URL's arguments are filled from the
table below, and a page whose arguments the table cannot fill fails the coverage test until
someone says which row to show (or why it is not a page).
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.content.models import ValueItem
from portal.devdata.demo_content import seed_demo_content, seed_demo_templates
from portal.extensions import db
from portal.notifications.rendering import unsubscribe_token
from portal.project_templates.models import ProjectTemplate
from portal.projects.models import Milestone, Project, ProjectStatus, StatusUpdate
from portal.pulses import loop
from portal.pulses import services as pulses
from portal.pulses.models import FollowUp, PulseRequest
from portal.selection import admin_settings, decisions, interviews, profiles, shortlists
from portal.selection.models import DecisionKind
from portal.touchpoints.models import TouchpointKind
from portal.touchpoints.services import log_touchpoint
from portal.webhooks import events as webhook_events
from portal.webhooks import services as webhooks
from portal.webhooks.models import EndpointKind
from tests.browser.support import DESKTOP, PHONE_390, axe_violations, describe, layout_problems

ADMIN = "morgan@firm.example"
FAKE_TOKEN = "not-a-real-token"

NOT_PAGES = {  # endpoint: why the browser checks skip it
    "static": "files", "content.logo": "an image", "content.favicon": "an image",
    "home.healthz": "JSON", "home.live": "a fragment of the dashboard",
    "projects.live": "a fragment of the project page", "closeout.download": "a PDF",
    "health.export": "CSV", "pulses.export": "CSV", "imports.template": "CSV",
    "accounts.show_photo": "an image",
    "auth.two_factor_challenge": "only reachable halfway through signing in with two-factor",
    "home.index": "visited as / by each viewer below",
    "feeds.updates": "an Atom feed", "feeds.etas": "an iCalendar feed",
    "api-docs.openapi_json": "JSON",
    "api.docs": "Swagger UI's own markup, vendored (portal/static/vendor/swagger-ui)",
    "selection.live": "a fragment of the candidates page", "selection.download_cv": "a PDF",
}
API_PREFIX = "/api/v1/"  # JSON for programs with a key: tests/api
# Outside /staff/ but looked at as the admin: two-factor is for staff only (404 for clients);
# clients change their password on the same page, which tests/auth tries as a client.
STAFF_ONLY = {"auth.change_password", "auth.two_factor"}
CLIENT_ONLY = {"feeds.links"}  # a client's own feed links: 404 for staff
SIGNED_OUT = {"auth.login", "auth.request_sign_in_link", "auth.forgot_password",
              "auth.reset_password", "auth.accept_invitation", "auth.sign_in_link",
              "pulses.answer", "notifications.unsubscribe", "auth.confirm_email_change",
              "pulses.fix"}


@pytest.fixture
def rows(app, make, portal_data) -> SimpleNamespace:
    """One of everything a page's URL can name, and the values each argument takes."""
    admin = make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    # The pulse before the closeout's: the client's one pulse in 14 days is this one, sent.
    request = make.pulse(portal_data.client, project=portal_data.project)
    done = make.project("Acme Corp", name="Finished work", status=ProjectStatus.DONE)
    make.milestone(done, title="Launch")  # a closeout with a timeline and its drift chart
    make.closeout(done, contact=portal_data.staff, summary="Everything delivered.")
    with app.test_request_context():
        seed_demo_content()
        seed_demo_templates()
        db.session.commit()
        project_template_id = db.session.scalars(db.select(ProjectTemplate.id)).first()
        value_id = db.session.scalars(db.select(ValueItem.id)).first()
        milestone_id = db.session.scalars(
            db.select(Milestone.id).where(Milestone.project_id == portal_data.project.id)).first()
        update_id = db.session.scalars(db.select(StatusUpdate.id).where(
            StatusUpdate.project_id == portal_data.project.id)).first()
        pulse = db.session.get(PulseRequest, request.id)
        token = pulses.answer_token(pulse)
        # Answered low and resolved: the client's pages show the loop, its email a fix link.
        pulses.record_answers(pulse, scores={q.id: q.scale.bounds[0]
                                             for q in pulse.template.questions},
                              comments={pulse.template.questions[0].id: "Too slow."})
        follow_up = db.session.scalars(db.select(FollowUp)).one()
        loop.resolve_follow_up(follow_up, by=db.session.get(User, portal_data.staff.id),
                               summary="We added a second recruiter.")
        fix = loop.fix_token(follow_up)
        db.session.commit()
        template_id = pulse.template_id
        unsubscribe = unsubscribe_token(portal_data.client)
        endpoint = webhooks.register_endpoint(
            url="https://93.184.215.14/portal-events", events=["update.published"],
            kind=EndpointKind.JSON, description="Our CRM", by=db.session.get(User, admin.id))
        webhook_events.update_published(db.session.get(StatusUpdate, update_id))
        db.session.commit()
        endpoint_id = endpoint.id
        candidate_id = _presented_candidate(portal_data)
        staff = db.session.get(User, portal_data.staff.id)
        log_touchpoint(db.session.get(Organization, portal_data.project.organization_id),
                       by=staff, kind=TouchpointKind.SITE_VISIT, occurred_on=date.today(),
                       staff=staff, client_people="Jordan and the operations team",
                       note="Internal: renewal talk next month.",
                       client_summary="We walked the warehouse floor and agreed the next "
                                      "two milestones.")
        db.session.commit()
    arguments = {
        "project_id": portal_data.project.id,
        "organization_id": portal_data.project.organization_id,
        "milestone_id": milestone_id, "update_id": update_id, "template_id": template_id,
        "kind": "values", "item_id": value_id, "token": FAKE_TOKEN,
        "user_id": portal_data.staff.id, "endpoint_id": endpoint_id,
        "candidate_id": candidate_id,
    }
    per_endpoint = {
        "closeout.show": {"project_id": done.id}, "closeout.edit": {"project_id": done.id},
        "pulses.answer": {"token": token}, "notifications.unsubscribe": {"token": unsubscribe},
        "pulses.fix": {"token": fix},
        "project_templates.edit": {"template_id": project_template_id},
    }
    return SimpleNamespace(arguments=arguments, per_endpoint=per_endpoint,
                           client=portal_data.client.email)


def _presented_candidate(portal_data) -> int:
    """A candidate with a decided twin, presented to the client on the project."""
    admin_settings.seed_defaults()
    by = db.session.get(User, portal_data.staff.id)
    project = db.session.get(Project, portal_data.project.id)
    maria, tom = (profiles.add_candidate(
        project, by=by, display_name=name, headline="Senior data engineer, 9 years",
        location="Leeds", availability="4 weeks' notice", rate_band="£70–80k",
        skills="Python, SQL, Kafka", summary_md="Built **streaming** pipelines.",
        why_chosen_md="She led a migration like yours.", sourced_on=date.today())
        for name in ("Maria Silva", "Tom Berg"))
    shortlists.present_shortlist(project, [maria, tom], by=by)
    reason = admin_settings.active_reasons()[0]
    decisions.decide(tom, decisions.DecisionInput(DecisionKind.NOT_A_FIT, reason.id, "Too far"),
                     by=db.session.get(User, portal_data.client.id))
    interviews.propose(maria, by=by, minutes=45, where="Video call",  # for the client to pick
                       starts=[datetime.now(UTC) + timedelta(days=d) for d in (7, 8, 9)])
    db.session.commit()
    return maria.id


def pages(app, rows) -> dict[str, list[str]]:
    """Paths to check by who views them: the signed-out, the client, the admin."""
    found: dict[str, list[str]] = {"signed out": [], "client": ["/"], "admin": ["/"]}
    unknown = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if ("GET" not in rule.methods or rule.endpoint in NOT_PAGES
                or rule.rule.startswith(API_PREFIX)):
            continue
        values = {**rows.arguments, **rows.per_endpoint.get(rule.endpoint, {})}
        missing = rule.arguments - values.keys()
        if missing:
            unknown.append(f"{rule.endpoint} needs {sorted(missing)}")
            continue
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        staff_only = rule.endpoint in STAFF_ONLY or rule.rule.startswith(("/staff", "/admin"))
        viewer = ("signed out" if rule.endpoint in SIGNED_OUT
                  else "admin" if staff_only else "client")
        found[viewer].append(path)
        if viewer == "client" and rule.endpoint not in CLIENT_ONLY:
            found["admin"].append(path)  # staff see client pages with their own controls
    assert not unknown, "pages the browser checks cannot reach:\n" + "\n".join(unknown)
    return found


def check_pages(new_page, sign_in, email: str | None, paths: list[str]) -> list[str]:
    """Open each path at desktop and phone width; every problem found, in words."""
    problems = []
    for viewport in (DESKTOP, PHONE_390):
        page = new_page(viewport=viewport)
        if email:
            sign_in(page, email)
        for path in paths:
            response = page.goto(path)
            where = f"{path} at {viewport['width']} px"
            # A made-up token shows the "link not valid" page, a 404: a page people see too.
            if response.status >= 400 and not (response.status == 404 and FAKE_TOKEN in path):
                problems.append(f"{where}: HTTP {response.status}")
                continue
            problems += [f"{where}: {problem}" for problem in layout_problems(page)]
            violations = axe_violations(page)
            if violations:
                problems.append(f"{where}: axe\n{describe(violations)}")
    return problems


def test_every_get_endpoint_is_a_checked_page_or_says_why_not(app, rows):
    checked = pages(app, rows)
    assert "/staff/style" in checked["admin"] and "/values" in checked["client"]
    assert sum(len(paths) for paths in checked.values()) >= 40


@pytest.mark.parametrize("viewer", ["signed out", "client", "admin"])
def test_every_page_is_accessible_and_fits_both_widths(app, rows, new_page, sign_in, viewer):
    email = {"signed out": None, "client": rows.client, "admin": ADMIN}[viewer]
    problems = check_pages(new_page, sign_in, email, pages(app, rows)[viewer])
    assert not problems, "\n".join(problems)
