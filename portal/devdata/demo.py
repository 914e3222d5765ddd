"""Demo data: a firm that places people and delivers projects, two clients, months of history.

Dates are relative to today so the demo always looks current. Loading is idempotent: people,
organisations and projects are looked up by their unique names and only missing ones are made;
the firm's values and recruiting process (portal.devdata.demo_content) fill only empty lists.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.accounts import services as account_services
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.closeout import services as closeout_services
from portal.devdata import demo_history, demo_relationship
from portal.devdata.demo_content import seed_demo_content, seed_demo_templates
from portal.devdata.demo_placements import seed_demo_placements, seed_profile_view
from portal.devdata.demo_selection import seed_demo_shortlist
from portal.extensions import db
from portal.health import snapshots as health_snapshots
from portal.projects import funnel
from portal.projects import services as project_services
from portal.projects.models import Confidence, FunnelStage, Project
from portal.projects.models import ProjectStatus as S

DEMO_HEALTH_WEEKS = 8  # weekly health snapshots recomputed from the demo's history
DEFAULT_PASSWORD = "portal-demo-2026"  # noqa: S105 (printed by `make run` on purpose)

PEOPLE = [
    # email, name, role, organisation, job title, phone
    ("admin@demo.example", "Morgan Reyes", Role.ADMIN, None,
     "Managing Director", "+44 20 7946 0101"),
    ("staff@demo.example", "Priya Nair", Role.STAFF, None,
     "Account Manager", "+44 20 7946 0102"),
    ("daniel@demo.example", "Daniel Okafor", Role.STAFF, None,
     "Delivery Lead", "+44 20 7946 0103"),
    ("sofia@demo.example", "Sofia Lindqvist", Role.STAFF, None,
     "Talent Partner", "+44 20 7946 0104"),
    ("tom@demo.example", "Tom Becker", Role.STAFF, None,
     "Client Care Lead", "+44 20 7946 0105"),
    ("client@acme.example", "Jordan Blake", Role.CLIENT, "Acme Corp",
     "Head of Operations", None),
    ("client@globex.example", "Elena Marsh", Role.CLIENT, "Globex",
     "IT Director", None),
    ("sam@acme.example", "Sam Patel", Role.CLIENT, "Acme Corp", "Finance Director", None),
    ("alex@acme.example", "Alex Kim", Role.CLIENT, "Acme Corp", "Product Owner", None),
    ("marco@globex.example", "Marco Rossi", Role.CLIENT, "Globex", "Network Manager", None),
]
LOGINS = [
    ("admin@demo.example", "admin"),
    ("staff@demo.example", "staff"),
    ("client@acme.example", "client of Acme Corp"),
    ("client@globex.example", "client of Globex"),
]

ORGANIZATIONS = [
    # name, timezone, account owner
    ("Acme Corp", "Europe/London", "staff@demo.example"),
    ("Globex", "America/Chicago", "admin@demo.example"),
]


@dataclass
class Step:
    """One moment in a project's history: an update, and what it did to ETAs and milestones."""

    days_ago: int
    status: S
    body: str
    eta: int | None = None  # new project ETA, in days from today
    reason: str | None = None
    complete: int | None = None  # position of a milestone completed that day
    milestone_eta: tuple[int, int, str | None] | None = None  # position, days from today, reason
    funnel: dict[str, int] | None = None  # candidates per selection stage, as of that day


@dataclass
class ProjectScript:
    """A demo project from its start to today."""

    organization: str
    name: str
    summary: str
    contact: str
    started: int  # days ago
    eta: int  # first ETA, in days from today
    confidence: Confidence
    milestones: list[tuple[str, str, int]]  # title, owner email, planned days from today
    steps: list[Step]
    cadence: int = 7
    closed: int | None = None  # days ago


def _sprints(first: int, last: int, every: int, status: S, notes: list[str]) -> list[Step]:
    """Routine updates between the notable ones, one per cadence period."""
    days = range(first, last, -every)
    return [Step(day, status, notes[i % len(notes)]) for i, day in enumerate(days)]


PORTAL_NOTES = [
    "Sprint review done. **Finished:** account pages and sign-in. **Next:** order history.",
    "The order history screens passed internal review; we start on invoices next week.",
    "Invoices and statements are in test. We found two edge cases in VAT rounding and fixed both.",
    "Performance work: the dashboard now loads in under a second on your staging data.",
    "Support tickets can now be raised from the portal; they land in your Zendesk queue.",
    "Accessibility review done: keyboard navigation and screen-reader labels are fixed.",
]
PLACEMENT_NOTES = [
    "We screened 14 more candidates this week against the role brief; 3 go to technical interview.",
    "Two technical interviews held. One strong candidate, feedback written up for you.",
    "References taken for our strongest candidate: two former managers, both very positive.",
]
GLOBEX_NOTES = [
    "Site survey of the Chicago office done: 42 switches and 18 access points to replace.",
    "Configuration templates reviewed with your network team; change window agreed.",
]
AUDIT_NOTES = [
    "Interviews with your infrastructure and HR teams are complete; evidence collection continues.",
    "External scan finished. Findings are being triaged; nothing critical so far.",
]

PROJECTS = [
    ProjectScript(
        "Acme Corp", "Customer portal rebuild",
        "A new self-service portal for Acme's customers: accounts, orders, invoices and support.",
        "daniel@demo.example", started=150, eta=20, confidence=Confidence.HIGH,
        milestones=[
            ("Discovery and requirements", "daniel@demo.example", -120),
            ("UX design sign-off", "staff@demo.example", -85),
            ("Build and integration", "daniel@demo.example", -10),
            ("User acceptance testing", "staff@demo.example", 10),
            ("Launch", "tom@demo.example", 20),
        ],
        steps=[
            Step(148, S.ON_TRACK, "Kick-off held with your operations team. We agreed the scope, "
                 "the weekly update on Thursdays and the launch target."),
            Step(121, S.ON_TRACK, "Discovery is **complete**, a day early. The requirements "
                 "document is in your shared folder.", complete=0),
            Step(95, S.AT_RISK, "Design review raised a change to the checkout flow. We need a "
                 "week more for design.",
                 milestone_eta=(1, -78, "Checkout flow redesign requested at the design review")),
            Step(79, S.ON_TRACK, "Designs **signed off** by Jordan. Build starts Monday.",
                 complete=1),
            *_sprints(72, 30, 7, S.ON_TRACK, PORTAL_NOTES),
            Step(24, S.AT_RISK, "Your payment provider changed its API version. Integration "
                 "work grows by about three weeks; we have moved the dates and kept the scope.",
                 eta=41, reason="The payment provider's API changed mid-build (v3 to v4).",
                 milestone_eta=(2, 14, "Payment provider API change")),
            Step(17, S.ON_TRACK, "Payments now run on the new API in staging. Back on track for "
                 "the revised dates.", milestone_eta=(3, 28, "Follows the build milestone")),
            Step(10, S.ON_TRACK, "Load test passed at 3x your peak traffic."),
            Step(3, S.ON_TRACK, "Build is 80% done. UAT scripts are ready for your team to "
                 "review.", milestone_eta=(4, 41, "Follows the payment provider change")),
        ],
    ),
    ProjectScript(
        "Acme Corp", "Senior Data Engineer placement",
        "Finding, screening and placing a senior data engineer for Acme's analytics team.",
        "sofia@demo.example", started=45, eta=21, confidence=Confidence.MEDIUM,
        milestones=[
            ("Role brief agreed", "sofia@demo.example", -40),
            ("Shortlist presented", "sofia@demo.example", -10),
            ("Client interviews", "staff@demo.example", 5),
            ("Offer accepted and start date", "sofia@demo.example", 21),
        ],
        steps=[
            Step(44, S.ON_TRACK, "Intake call done. The role brief covers the stack (Python, "
                 "dbt, Snowflake), the team and what success looks like after 90 days."),
            Step(39, S.ON_TRACK, "Brief **agreed** with Jordan. Sourcing has started.",
                 complete=0),
            *_sprints(32, 14, 7, S.ON_TRACK, PLACEMENT_NOTES),
            Step(15, S.ON_TRACK, "Sourcing closed: 64 candidates considered, 22 passed our "
                 "screening call, 9 went on to structured interviews.",
                 funnel={"sourced": 64, "screened": 22, "interviewed": 9}),
            Step(12, S.AT_RISK, "Our top candidate took another offer. Two others remain "
                 "strong; we are widening the search to keep a real choice for you.",
                 eta=28, reason="The leading candidate accepted another offer.",
                 milestone_eta=(1, -4, "Widened search after a candidate withdrew")),
            Step(4, S.AT_RISK, "Shortlist of three **presented**, each with our interview "
                 "notes and references.", complete=1, funnel={"presented": 3}),
        ],
    ),
    ProjectScript(
        "Acme Corp", "Data warehouse migration",
        "Moving Acme's reporting from the on-premise warehouse to Snowflake.",
        "daniel@demo.example", started=190, eta=-30, confidence=Confidence.HIGH, cadence=14,
        milestones=[
            ("Inventory of reports", "daniel@demo.example", -170),
            ("Pipelines rebuilt", "daniel@demo.example", -90),
            ("Parallel run", "staff@demo.example", -50),
            ("Cut-over", "daniel@demo.example", -30),
        ],
        steps=[
            Step(188, S.ON_TRACK, "Kick-off. We will inventory all 140 reports first."),
            Step(171, S.ON_TRACK, "Inventory **done**: 140 reports, 31 can be retired.",
                 complete=0),
            Step(150, S.ON_TRACK, "First pipelines rebuilt in dbt; finance reports validated."),
            Step(120, S.ON_TRACK, "Halfway through the pipelines. No surprises."),
            Step(92, S.ON_TRACK, "All pipelines rebuilt and tested.", complete=1),
            Step(60, S.ON_TRACK, "Parallel run started: both warehouses produce every report."),
            Step(49, S.ON_TRACK, "Parallel run **complete**: figures match to the penny.",
                 complete=2),
            Step(31, S.DONE, "Cut-over done over the weekend. The old warehouse is read-only "
                 "and will be switched off in a month.", complete=3),
        ],
        closed=29,
    ),
    ProjectScript(
        "Globex", "Network refresh",
        "Replacing switches and wireless access points in Globex's Chicago office.",
        "daniel@demo.example", started=60, eta=30, confidence=Confidence.LOW,
        milestones=[
            ("Site survey", "daniel@demo.example", -50),
            ("Hardware delivered", "admin@demo.example", -5),
            ("Installation", "daniel@demo.example", 20),
        ],
        steps=[
            Step(58, S.ON_TRACK, "Kick-off with Elena's team; survey booked."),
            Step(49, S.ON_TRACK, "Survey **complete**.", complete=0),
            *_sprints(42, 20, 7, S.ON_TRACK, GLOBEX_NOTES),
            Step(9, S.BLOCKED, "The switch vendor has delayed shipment. We are pressing for a "
                 "date and looking at an equivalent model.", eta=45,
                 reason="The vendor delayed the switch shipment by two weeks.",
                 milestone_eta=(1, 9, "Vendor shipment delay")),
        ],
    ),
    ProjectScript(
        "Globex", "Security audit",
        "An ISO 27001 readiness audit with a prioritised remediation plan.",
        "staff@demo.example", started=30, eta=25, confidence=Confidence.HIGH,
        milestones=[
            ("Interviews", "staff@demo.example", -15),
            ("Findings report", "staff@demo.example", 25),
        ],
        steps=[
            Step(29, S.ON_TRACK, "Audit plan shared; interviews scheduled."),
            Step(15, S.ON_TRACK, "Interviews **complete**.", complete=0),
            *_sprints(8, 0, 7, S.ON_TRACK, AUDIT_NOTES),
        ],
    ),
]


# The closeouts of the closed demo projects, by project name.
CLOSEOUTS = {
    "Data warehouse migration": {
        "care_contact": "tom@demo.example",
        "summary": "Every one of Acme's **109 live reports** now runs on Snowflake from rebuilt, "
                   "tested dbt pipelines; 31 unused reports were retired. The old warehouse is "
                   "read-only until its switch-off.",
        "outcomes": "- Month-end reporting runs in 40 minutes instead of 9 hours.\n"
                    "- Figures matched to the penny through three weeks of parallel running.\n"
                    "- Delivered one day after the date we promised at kick-off.",
        "lessons": "Retiring unused reports first saved a third of the pipeline work. A longer "
                   "parallel run would have let finance sign off a week earlier.",
        "care_reach": "Monday to Friday, 8:00–18:00 UK time; urgent reporting issues on the "
                      "support line at any hour.",
        "care_next_steps": "Tom will meet your finance team after the first quarter-end close "
                           "on Snowflake and send you a short usage and cost review.",
    },
}


def _at(days_ago: int) -> datetime:
    """A working-hours moment some days ago, in UTC."""
    return datetime.combine(date.today() - timedelta(days=days_ago), time(10, 30), tzinfo=UTC)


def _ensure_people(password: str) -> dict[str, User]:
    """Staff first, then organisations, then their clients; existing ones are kept."""
    people = {}
    for email, name, role, _org_name, title, phone in PEOPLE:
        if role == Role.CLIENT:
            continue
        people[email] = auth_services.find_user_by_email(email) or auth_services.create_user(
            email=email, name=name, role=role, password=password, job_title=title, phone=phone
        )
    for org_name, timezone, owner in ORGANIZATIONS:
        if account_services.find_organization_by_name(org_name) is None:
            account_services.create_organization(
                name=org_name, account_owner=people[owner], timezone=timezone
            )
    for email, name, role, org_name, title, phone in PEOPLE:
        if role != Role.CLIENT:
            continue
        people[email] = auth_services.find_user_by_email(email) or auth_services.create_user(
            email=email, name=name, role=role, password=password, job_title=title, phone=phone,
            organization=account_services.find_organization_by_name(org_name),
        )
    return people


def _play(script: ProjectScript, people: dict[str, User]) -> None:
    """Create the project and replay its history through the same services staff use."""
    today = date.today()
    project = project_services.create_project(
        account_services.find_organization_by_name(script.organization),
        name=script.name, summary=script.summary, contact=people[script.contact],
        update_cadence_days=script.cadence, eta=today + timedelta(days=script.eta),
        eta_confidence=script.confidence, started_on=today - timedelta(days=script.started),
        opened_on=today - timedelta(days=script.started),
    )
    milestones = [
        project_services.add_milestone(
            project, title=title, owner=people[owner], planned_on=today + timedelta(days=planned)
        )
        for title, owner, planned in script.milestones
    ]
    for number, step in enumerate(script.steps):
        at = _at(step.days_ago)
        if step.milestone_eta:
            position, days, reason = step.milestone_eta
            project_services.move_milestone_eta(
                milestones[position], eta=today + timedelta(days=days), by=people[script.contact],
                reason=reason, at=at,
            )
        if step.complete is not None:
            project_services.complete_milestone(
                milestones[step.complete], on=at.date(), by=people[script.contact], at=at
            )
        if step.funnel:
            counts = {FunnelStage(stage): n for stage, n in step.funnel.items()}
            funnel.record_funnel(project, counts=counts, on=at.date())
        project_services.publish_update(
            project, author=people[script.contact], body=step.body, status=step.status,
            eta=today + timedelta(days=step.eta) if step.eta is not None else None,
            reason=step.reason, published_at=at, ask_feedback=number % 3 == 2,
        )
    if script.closed is not None:
        delivered_on = today - timedelta(days=script.closed)
        text = dict(CLOSEOUTS.get(script.name) or {})
        if not text:
            project_services.close_project(project, on=delivered_on)
            return
        closeout_services.publish_closeout(
            project, care_contact=people[text.pop("care_contact")], delivered_on=delivered_on,
            at=_at(script.closed - 1), **text,
        )


def _footprint() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Organization, Project)
    )


def load_demo(*, password: str = DEFAULT_PASSWORD) -> bool:
    """Load whatever part of the demo is missing; True if anything was created. Caller commits."""
    auth_services.check_password_rules(password)
    before = _footprint()
    people = _ensure_people(password)
    for script in PROJECTS:
        exists = db.session.scalars(
            select(Project).join(Organization).where(
                func.lower(Organization.name) == script.organization.lower(),
                func.lower(Project.name) == script.name.lower(),
            )
        ).first()
        if exists is None:
            _play(script, people)
    # The firm's values and process: only into empty lists, so an admin's edits are never undone.
    seeded = seed_demo_content()
    seeded = seed_demo_templates() or seeded
    seeded = seed_demo_shortlist(people) or seeded  # after the process steps it refers to
    created = _footprint() != before
    if created:
        demo_history.answer_pulses(random.Random(2026))
        demo_history.ask_questions()
        demo_history.backdate_people_and_sign_ins()
    # Touchpoints and values answers: added to a demo loaded before they existed, too.
    related = demo_relationship.seed_touchpoints()
    related = demo_relationship.seed_values_answers(random.Random(18)) or related
    if created:
        demo_history.forget_demo_emails([email for email, *_ in PEOPLE])
        # A few weeks of health snapshots, computed from the history above.
        db.session.flush()
        health_snapshots.backfill(DEMO_HEALTH_WEEKS)
    # After the shortlist it books from and the pulses' history its check-in fits into.
    seeded = seed_demo_placements(people) or seeded
    seeded = seed_profile_view(people) or seeded
    # Last, so its pulse is the client's newest and holds none of the history's.
    seeded = demo_history.seed_own_follow_up() or seeded
    if seeded:
        demo_history.forget_demo_emails([email for email, *_ in PEOPLE])
    return seeded or created or related
