"""The demo placement's candidates: a real shortlist, some reviewed by the client, one pending.

Created through the same services staff and clients use, then dated back so the project's
story (a shortlist presented days ago) holds. Only into a placement without candidates, so
running the demo again creates nothing twice.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.content.models import ProcessStep
from portal.extensions import db
from portal.projects.models import Project
from portal.selection import admin_settings, decisions, profiles, shortlists
from portal.selection.models import Candidate, CandidateStatus, DecisionKind

PLACEMENT = "Senior Data Engineer placement"
PRESENTED_DAYS_AGO = 4


@dataclass(frozen=True)
class DemoCandidate:
    """One demo candidate: profile, how far it got, and what the client decided."""

    name: str
    headline: str
    location: str
    availability: str
    rate_band: str
    skills: str
    summary: str
    why: str
    sourced_days_ago: int
    steps_passed: int = 0  # of the firm's published process steps, in order
    presented: bool = False
    decision: tuple[DecisionKind, str | None, str] | None = None  # kind, reason, note
    acted_on: bool = False
    anonymous: bool = False


CANDIDATES = [
    DemoCandidate(
        "Maria Santos", "Senior data engineer, 9 years in retail analytics", "Leeds (hybrid)",
        "4 weeks' notice", "£78–85k", "Python, dbt, Snowflake, Airflow",
        "Led the move of a 200-model dbt project to Snowflake at a national retailer; "
        "mentors two juniors.",
        "Has done **exactly your migration** before, and her references praise how she "
        "explains data to finance teams.", 30, steps_passed=3, presented=True,
        decision=(DecisionKind.INVITE, None, "Keen to meet her this week."), acted_on=True),
    DemoCandidate(
        "Tom Becker", "Data engineer, 6 years, streaming specialist", "Manchester",
        "Immediately", "£70–75k", "Python, Kafka, Spark, AWS",
        "Built the real-time pricing pipeline at a travel marketplace.",
        "The strongest streaming engineer we met; Acme's roadmap has real-time stock.",
        28, steps_passed=3, presented=True,
        decision=(DecisionKind.NOT_A_FIT, "Experience", "We need more dbt than Kafka.")),
    DemoCandidate(
        "Aisha Khan", "Analytics engineer moving into data engineering, 5 years",
        "Remote (UK)", "8 weeks' notice", "£65–72k", "SQL, dbt, Looker, Python",
        "Owns the semantic layer of a fintech's finance reporting.",
        "Presented anonymously at her request: she is still in post. Outstanding on "
        "modelling and stakeholder work.", 26, steps_passed=2, presented=True, anonymous=True),
    DemoCandidate(
        "Priya Raman", "Data engineer, 4 years", "Birmingham", "4 weeks' notice", "£60–66k",
        "Python, Airflow, BigQuery", "Platform work at a logistics start-up.",
        "Screened; held back while we see how the shortlist lands.", 24, steps_passed=1),
    DemoCandidate(
        "Lewis Hart", "Senior data engineer, 11 years", "London", "3 months' notice",
        "£95–105k", "Scala, Spark, Hadoop", "Long Hadoop background, little cloud work.",
        "Sourced; not screened yet.", 20),
]


def _at(days_ago: int) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days_ago), time(10, 30), tzinfo=UTC)


def seed_demo_shortlist(people: dict[str, User]) -> bool:
    """Candidates, screening steps, a presented shortlist and the client's decisions on the
    demo placement, if it has none yet; True if anything was created."""
    admin_settings.seed_defaults()
    project = db.session.scalar(select(Project).where(Project.name == PLACEMENT))
    if project is None or db.session.scalar(
            select(Candidate.id).where(Candidate.project_id == project.id).limit(1)):
        return False
    staff, client = people["sofia@demo.example"], people["client@acme.example"]
    steps = list(db.session.scalars(select(ProcessStep).order_by(ProcessStep.position)))
    added = [_add(project, spec, staff, steps) for spec in CANDIDATES]
    shortlist = shortlists.present_shortlist(
        project, [c for c, spec in zip(added, CANDIDATES, strict=True) if spec.presented],
        by=staff)
    shortlist.presented_at = _at(PRESENTED_DAYS_AGO)
    shortlist.expires_at = shortlist.presented_at + timedelta(
        days=admin_settings.get_settings().expiry_days)
    for candidate in added:
        for change in candidate.status_changes:
            if change.status == CandidateStatus.PRESENTED:
                change.changed_at = shortlist.presented_at
    reasons = {r.label: r.id for r in admin_settings.active_reasons()}
    for candidate, spec in zip(added, CANDIDATES, strict=True):
        if spec.decision:
            kind, reason, note = spec.decision
            decision = decisions.decide(candidate, decisions.DecisionInput(
                kind, reasons.get(reason) if reason else None, note), by=client)
            decision.decided_at = _at(PRESENTED_DAYS_AGO - 1)
            if spec.acted_on:
                decisions.act_on_decision(decision, by=staff)
                decision.acted_on_at = _at(PRESENTED_DAYS_AGO - 2)
    db.session.flush()
    return True


def _add(project: Project, spec: DemoCandidate, staff: User,
         steps: list[ProcessStep]) -> Candidate:
    candidate = profiles.add_candidate(
        project, by=staff, display_name=spec.name, anonymous=spec.anonymous,
        headline=spec.headline, location=spec.location, availability=spec.availability,
        rate_band=spec.rate_band, skills=spec.skills, summary_md=spec.summary,
        why_chosen_md=spec.why, sourced_on=date.today() - timedelta(days=spec.sourced_days_ago))
    for number, step in enumerate(steps[:spec.steps_passed]):
        days_ago = spec.sourced_days_ago - 3 - 4 * number
        profiles.add_screening_step(candidate, step=step, passed_on=date.today() - timedelta(
            days=days_ago), run_by=staff, by=staff)
        if number == 0:  # the first step passed screens the candidate
            candidate.status_changes[-1].changed_at = _at(days_ago)
    return candidate
