"""A large, realistic data set for benchmarks: `flask --app portal bench-data`.

It lives in the package (portal/devdata/, not bench/) because the CLI in portal/commands.py
registers it and bench/ is not installed with the app. Rows go in with bulk inserts,
`session.execute(insert(Model), rows)`, a few thousand at a time, with ids given up front so
children need no round trip to learn their parents' ids; PostgreSQL's sequences are moved past
them at the end.

The spread: accounts over two years, projects in every status (a fifth closed), 3-6 milestones
each with owners and some late, ETA changes with reasons, updates at each project's cadence, and
pulse answers whose scores depend on each account's mood, so some accounts are unhappy.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects.models import EtaChange, Milestone, Project, StatusUpdate
from portal.pulses.defaults import ensure_default_templates
from portal.pulses.models import PulseAnswer, PulseRequest, PulseTemplate

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 (a fixed password for local benchmark data)
STAFF_COUNT = 25
HISTORY_DAYS = 730
# Insert order: parents before children, so every batch satisfies its foreign keys.
MODELS = (Organization, User, Project, Milestone, StatusUpdate, EtaChange, PulseRequest,
          PulseAnswer)
STATUSES = (["on_track"] * 12) + (["at_risk"] * 3) + ["blocked"] + (["not_started"] * 1)
BODIES = (
    "Sprint review done; **{n}** stories accepted. Next: integration tests.",
    "We interviewed three candidates this week; two go to the client panel.",
    "Supplier confirmed the delivery window. No change to the plan.",
    "The migration rehearsal ran clean. Cut-over stays as planned.",
    "Blocked on access to the staging network; we asked your IT team on Monday.",
)
COMMENTS = ("Great communication.", "Updates could come sooner.", "Very happy with the team.",
            "The last milestone slipped without warning.", "Quick and easy to work with.")


class BenchDataExists(RuntimeError):
    """The database already holds bench data; generating it twice would clash on names."""


@dataclass
class Spec:
    """How much to generate."""

    accounts: int
    projects_per_account: int
    updates_per_project: int
    answers: int
    long_history: int = 200  # updates on the first account's first project (the page bench)
    batch_size: int = 5000
    seed: int = 2026


@dataclass
class Writer:
    """Buffers rows per model; when any buffer is full, writes all of them in parent order."""

    batch_size: int
    rows: dict = field(default_factory=lambda: {model: [] for model in MODELS})
    written: dict = field(default_factory=lambda: {model.__tablename__: 0 for model in MODELS})
    next_ids: dict = field(default_factory=dict)

    def start_ids(self) -> None:
        for model in MODELS:
            self.next_ids[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1

    def add(self, model, **row) -> int:
        row["id"] = self.next_ids[model]
        self.next_ids[model] += 1
        self.rows[model].append(row)
        if len(self.rows[model]) >= self.batch_size:
            self.flush()
        return row["id"]

    def flush(self) -> None:
        for model in MODELS:
            if self.rows[model]:
                db.session.execute(insert(model), self.rows[model])
                self.written[model.__tablename__] += len(self.rows[model])
                self.rows[model] = []
        db.session.commit()


def _moment(rng: random.Random, now: datetime, since_days: int) -> datetime:
    return now - timedelta(days=rng.uniform(0, since_days), minutes=rng.randrange(1440))


def generate(spec: Spec, *, password_hash: str,
             progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Fill the database; returns the rows written per table. Commits as it goes."""
    if db.session.scalar(select(Organization.id).where(Organization.slug == "bench-00001")):
        raise BenchDataExists("this database already has bench data (bench-00001)")
    rng, now = random.Random(spec.seed), datetime.now(UTC)
    ensure_default_templates()
    db.session.commit()
    writer = Writer(spec.batch_size)
    writer.start_ids()
    staff = [writer.add(User, email=f"staff{i}@firm.bench.example", name=f"Staff Member {i}",
                        password_hash=password_hash, role=Role.STAFF.value, created_at=now)
             for i in range(1, STAFF_COUNT + 1)]
    writer.flush()  # accounts name their owner among the staff: staff go in first
    questions = _template_questions()
    answers_left, accounts_left = spec.answers, spec.accounts
    for n in range(1, spec.accounts + 1):
        share = math.ceil(answers_left / accounts_left)
        answers_left -= _account(writer, rng, spec, n, staff, questions, share, password_hash, now)
        accounts_left -= 1
        if n % 100 == 0:
            progress(f"{n} accounts")
    writer.flush()
    _after_load()
    return writer.written


def _template_questions() -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """Each trigger's template id and its questions' (id, scale)."""
    templates = db.session.scalars(select(PulseTemplate)).all()
    return {t.trigger.value: (t.id, [(q.id, q.scale.value) for q in t.questions])
            for t in templates}


def _account(writer: Writer, rng, spec: Spec, n: int, staff: list[int], questions, answers: int,
             password_hash: str, now: datetime) -> int:
    """One organisation, its client users, projects and pulse answers; returns answers written."""
    org = writer.add(Organization, name=f"Bench account {n:05d}", slug=f"bench-{n:05d}",
                     account_owner_id=rng.choice(staff), timezone="Europe/London",
                     created_at=now - timedelta(days=HISTORY_DAYS + 30))
    users = [writer.add(User, email=f"client{j}@a{n:05d}.bench.example", name=f"Client {n}-{j}",
                        password_hash=password_hash, role=Role.CLIENT.value,
                        organization_id=org, created_at=now - timedelta(days=HISTORY_DAYS))
             for j in range(1, max(2, math.ceil(answers / 1.7 / 40)) + 1)]
    projects = []
    for p in range(spec.projects_per_account):
        updates = spec.long_history if n == 1 and p == 0 else spec.updates_per_project
        projects.append(_project(writer, rng, org, p, staff, updates, now))
    mood = rng.uniform(-1.5, 1.0)
    return _pulses(writer, rng, org, users, projects, questions, answers, mood, now)


def _project(writer: Writer, rng, org: int, p: int, staff: list[int], updates: int,
             now: datetime) -> tuple[int, list[int], list[int]]:
    """A project with milestones, ETA changes and updates; its id, update ids, milestone ids."""
    started = (now - timedelta(days=rng.uniform(30, HISTORY_DAYS))).date()
    closed = rng.random() < 0.2
    closed_on = min(now.date(), started + timedelta(days=rng.randint(60, 400))) if closed else None
    first_eta = started + timedelta(days=rng.randint(60, 300))
    eta = max(first_eta + timedelta(days=rng.choice((0, 0, 7, 21, 45))), now.date() + timedelta(3))
    project = writer.add(
        Project, organization_id=org, name=f"Project {p + 1:02d}", summary="Bench project.",
        status="done" if closed else rng.choice(STATUSES), eta=closed_on or eta,
        eta_confidence=rng.choice(("high", "medium", "low")), contact_id=rng.choice(staff),
        update_cadence_days=rng.choice((7, 7, 14, 30)), started_on=started, closed_on=closed_on,
        created_at=datetime.combine(started, datetime.min.time(), tzinfo=UTC),
        version=1 + updates)
    end = datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC) if closed else now
    milestones = _milestones(writer, rng, project, started, end.date(), staff)
    start = datetime.combine(started, datetime.min.time(), tzinfo=UTC)
    step = (end - start) / max(updates, 1)
    update_ids = [writer.add(
        StatusUpdate, project_id=project, author_id=rng.choice(staff),
        body=rng.choice(BODIES).format(n=i), status="on_track", eta=eta,
        eta_confidence="medium", published_at=start + step * (i + rng.random() * 0.5),
        internal_note="Client sponsor changes next month." if rng.random() < 0.1 else None,
        ask_feedback=False) for i in range(updates)]
    if eta != first_eta:
        writer.add(EtaChange, project_id=project, old_eta=first_eta, new_eta=eta,
                   reason="Scope grew after the discovery workshop.",
                   changed_by_id=rng.choice(staff), changed_at=start + (end - start) / 2)
    return project, update_ids, milestones


def _milestones(writer: Writer, rng, project: int, started: date, end: date,
                staff: list[int]) -> list[int]:
    """3-6 milestones across the project's life; those before the end are done, some late."""
    count = rng.randint(3, 6)
    span = max((end - started).days, count + 1)
    ids = []
    for i in range(count):
        planned = started + timedelta(days=span * (i + 1) // (count + 1))
        slip = rng.choice((0, 0, 0, 3, 10))
        done = planned + timedelta(days=slip - rng.randint(0, 2)) if planned < end else None
        ids.append(writer.add(
            Milestone, project_id=project, title=f"Step {i + 1}", position=i,
            owner_id=rng.choice(staff), planned_on=planned, eta=planned + timedelta(slip),
            completed_on=min(done, end) if done else None))
        if slip:
            writer.add(EtaChange, project_id=project, milestone_id=ids[-1], old_eta=planned,
                       new_eta=planned + timedelta(slip), reason="Waiting on the client's data.",
                       changed_by_id=rng.choice(staff),
                       changed_at=datetime.combine(planned, datetime.min.time(), tzinfo=UTC)
                       - timedelta(days=rng.randint(1, 20)))
    return ids


SCORE_BASE = {"csat": (4.2, 1.0, 1, 5), "nps": (8.0, 2.0, 0, 10), "ces": (5.6, 1.2, 1, 7)}
TRIGGERS = ("periodic", "periodic", "periodic", "periodic", "periodic", "update", "update",
            "update", "milestone", "milestone")


def _score(rng, scale: str, mood: float) -> int:
    mean, spread, low, high = SCORE_BASE[scale]
    return max(low, min(high, round(rng.gauss(mean + mood * spread, spread))))


def _pulses(writer: Writer, rng, org: int, users: list[int], projects, questions, answers: int,
            mood: float, now: datetime) -> int:
    """Pulse requests over two years (a third unanswered) until `answers` answers exist."""
    written = 0
    while written < answers:
        trigger = rng.choice(TRIGGERS)
        project, update_ids, milestone_ids = rng.choice(projects)
        sent = _moment(rng, now, HISTORY_DAYS)
        answered_at = sent + timedelta(hours=rng.uniform(0.1, 72))
        answered = rng.random() < 0.67
        template_id, template_questions = questions[trigger]
        request = writer.add(
            PulseRequest, organization_id=org, user_id=rng.choice(users),
            template_id=template_id, trigger=trigger,
            project_id=None if trigger == "periodic" else project,
            update_id=rng.choice(update_ids) if trigger == "update" and update_ids else None,
            milestone_id=rng.choice(milestone_ids) if trigger == "milestone" else None,
            state="answered" if answered else "sent", created_at=sent, sent_at=sent,
            answered_at=answered_at if answered else None)
        if not answered:
            continue
        for question_id, scale in template_questions[: answers - written]:
            writer.add(PulseAnswer, request_id=request, question_id=question_id, scale=scale,
                       score=_score(rng, scale, mood), answered_at=answered_at,
                       comment=rng.choice(COMMENTS) if rng.random() < 0.1 else None)
            written += 1
    return written


def _after_load() -> None:
    """PostgreSQL: sequences past the ids we gave, and fresh planner statistics."""
    if db.engine.dialect.name == "postgresql":
        for model in MODELS:
            table = model.__tablename__
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (ours)
                f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
