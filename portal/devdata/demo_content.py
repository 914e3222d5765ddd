"""The demo firm's values and recruiting process, loaded by `flask demo` into empty tables,
and its two example project templates."""

from sqlalchemy import exists, select

from portal.content import services
from portal.content.models import ProcessStep, ValueItem
from portal.extensions import db
from portal.project_templates import services as template_services
from portal.project_templates.models import ProjectTemplate

DEMO_VALUES = [
    (
        "Tell the truth early",
        "Bad news does not improve with age. When a date is at risk, you hear it from us, "
        "with the reason and what we are doing about it, before you have to ask.",
        "When a payment provider changed its API in the middle of a build, the client's "
        "account manager called the same afternoon, moved the ETA by three weeks **with the "
        "reason written down**, and kept the scope. The client read the new date in the "
        "portal before their own weekly meeting.",
    ),
    (
        "A name, not a queue",
        "Every project and every step of it has one person you can call. If that person is "
        "away, we tell you who stands in, by name.",
        "Each milestone on your project page shows its owner's phone number and email. When "
        "our delivery lead went on parental leave, clients got an introduction call with the "
        "person taking over *before* the handover, not an out-of-office reply after it.",
    ),
    (
        "Measure what we promise",
        "We count how often we deliver by the date we gave you, and we show you that figure "
        "even when it is not flattering.",
        "Our promises-kept rate is on every client's dashboard. When it dipped below 85% one "
        "quarter, we published the three causes and changed how we estimate integration work.",
    ),
    (
        "Select for the long run",
        "A placement that fails after three months costs you more than a slower search. We "
        "would rather tell you the shortlist is thin than fill it with people we doubt.",
        "For a senior data engineer role we presented two candidates instead of the agreed "
        "three, explained why the others fell short at the technical assessment, and widened "
        "the search. Both finalists were still with the client a year later.",
    ),
    (
        "Respect everyone's time, candidates' too",
        "Clear briefs, short decision cycles and a reply to every applicant. How we treat "
        "candidates is how they will talk about you.",
        "Every candidate who interviews with us gets written feedback within five working "
        "days, whether or not they go forward. Our candidate satisfaction score is 4.6 out "
        "of 5, and a third of last year's placements came from referrals.",
    ),
]

DEMO_PROCESS = [
    (
        "Role brief with you",
        "We start with a one-hour intake call with the hiring manager: the work, the team, "
        "the must-haves and the nice-to-haves, the salary band and **what success looks like "
        "after 90 days**. You approve the written brief before we contact anyone.",
    ),
    (
        "Sourcing",
        "We search our own network of past candidates and referrals first, then targeted "
        "outreach and job boards. Every candidate is told who the client is (once you agree) "
        "and what the role really involves, so nobody is surprised later.",
    ),
    (
        "Screening",
        "A 30-minute call with one of our talent partners checks motivation, availability, "
        "salary expectations and the right to work, against the brief. Typically one in five "
        "sourced candidates goes further.",
    ),
    (
        "Structured interview",
        "A competency-based interview with the same questions for every candidate, scored "
        "against a rubric agreed with you. Two of our people score independently, which keeps "
        "first impressions from deciding.",
    ),
    (
        "Technical or practical assessment",
        "A task close to the real work, designed with your team: a paired coding session, a "
        "case study or a work sample. It is time-boxed, paid for longer tasks, and reviewed by "
        "a practitioner, not a keyword filter.",
    ),
    (
        "References and checks",
        "At least two references from people who managed the candidate, taken by phone with "
        "structured questions, plus the background checks the role requires. We share what we "
        "heard, including anything that gave us pause.",
    ),
    (
        "Shortlist presented to you",
        "Usually three candidates, each with our interview notes, assessment results, "
        "references and our honest view of strengths and risks. You see the funnel numbers on "
        "your project page: how many were sourced, screened, interviewed and presented.",
    ),
    (
        "Placement and follow-up",
        "We handle the offer, notice period and start date, then check in with you and the "
        "new hire after the first week, at 30 days and at 90 days. If a placement does not "
        "work out within the guarantee period, we search again at no charge.",
    ),
]


def seed_demo_content() -> bool:
    """Add the demo values and process steps to lists that are still empty; True if any."""
    created = False
    if not db.session.scalar(select(exists().select_from(ValueItem))):
        for title, body, example in DEMO_VALUES:
            services.add_item(ValueItem, by=None, title=title, body=body, example=example)
        created = True
    if not db.session.scalar(select(exists().select_from(ProcessStep))):
        for title, body in DEMO_PROCESS:
            services.add_item(ProcessStep, by=None, title=title, body=body)
        created = True
    return created


IT_PROJECT_PHASES = [
    # title, working days, owner's role
    ("Discovery and scope", 10, "Delivery Lead"),
    ("Design sign-off", 10, "Delivery Lead"),
    ("Build", 30, "Delivery Lead"),
    ("Testing with your team", 10, "Delivery Lead"),
    ("Go-live", 5, "Delivery Lead"),
    ("Hypercare and hand-off", 10, "Client Care Lead"),
]


def seed_demo_templates() -> bool:
    """Add the two example project templates where no template has their name; True if any."""
    plans = {
        "Permanent placement": (
            "A permanent hire, one milestone per step of our published recruiting process.", 7,
            [template_services.MilestonePlan(p.title, p.duration_days, True, "Talent Partner")
             for p in template_services.process_step_plans()]),
        "IT project": (
            "A delivery project in phases, from discovery to hypercare.", 7,
            [template_services.MilestonePlan(title, days, True, role)
             for title, days, role in IT_PROJECT_PHASES]),
    }
    taken = set(db.session.scalars(select(ProjectTemplate.name)))
    for name, (description, cadence, milestones) in plans.items():
        if name not in taken and milestones:
            template_services.save_template(None, name=name, description=description,
                                            update_cadence_days=cadence,
                                            milestones=milestones, by=None)
    return bool(set(plans) - taken)
