"""Eight people writing at once, through real gunicorn (2 workers x 4 threads) on the database
under test: staff publishing updates to the same two projects while clients answer pulses, two
of them sending each answer at about the same instant. Every write is kept exactly once, none
fails, and SQLite never says "database is locked". Bounded: 8 writers x 200 writes on
127.0.0.1, each request with a 10-second timeout."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.auth import services as auth
from portal.auth.models import Role
from portal.extensions import db
from portal.projects.models import StatusUpdate
from portal.pulses import services as pulses
from portal.pulses.models import PulseAnswer, PulseRequest, Trigger
from tests.support.factories import PASSWORD, PASSWORD_HASH
from tests.support.servers import Browser, Gunicorn

WRITERS, WRITES = 8, 200  # each writer: half updates, half pulse answers
UPDATES, ANSWERS = WRITES // 2, WRITES // 2
PULSES = WRITERS * ANSWERS // 2  # every pulse is answered by two writers


def _pulses_to_answer(app) -> list[tuple[str, dict]]:
    """PULSES client users of Globex with a sent periodic pulse each: (link, answer form)."""
    with app.app_context():
        globex = accounts.create_organization(name="Globex")
        people = [auth.create_user(email=f"client{n}@globex.example", name=f"Client {n}",
                                   role=Role.CLIENT, organization=globex) for n in range(PULSES)]
        db.session.flush()
        requests = [pulses.request_pulse(person, trigger=Trigger.PERIODIC) for person in people]
        db.session.commit()
        answers = []
        for request in requests:
            questions = request.template.questions
            form = {f"q{q.id}": str(q.scale.bounds[1]) for q in questions}
            answers.append((f"/pulses/{pulses.answer_token(request)}", form))
        return answers


@pytest.fixture
def busy_portal(app, make, database_url, tmp_path):
    """The portal under gunicorn, with two projects for staff and pulses waiting for answers."""
    with app.app_context():
        staff = auth.create_user(email="priya@firm.example", name="Priya Nair", role=Role.STAFF)
        staff.password_hash = PASSWORD_HASH
        db.session.commit()
    projects = [make.project("Acme Corp", name=f"Rollout {n}").id for n in (1, 2)]
    answers = _pulses_to_answer(app)
    server = Gunicorn(database_url=database_url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log", workers=2, threads=4,
                      PORTAL_SECRET_KEY=app.config["SECRET_KEY"],  # the pulse links are signed
                      PORTAL_PULSE_ANSWER_LIMIT_PER_ADDRESS='"100000 per hour"',
                      PORTAL_SIGN_IN_LIMIT_PER_ADDRESS='"1000 per minute"')
    try:
        server.wait_until_serving()
        yield server, projects, answers
    finally:
        server.stop()


def _writer(server: Gunicorn, projects: list[int], answers: list, number: int) -> list[str]:
    """One person's writes: updates as staff, then pulse answers; every answer that was not
    a success, as 'METHOD path -> status'."""
    staff = Browser(server.base)
    signed_in = staff.post_form("/login", {"email": "priya@firm.example", "password": PASSWORD})
    assert signed_in[0] == 302
    failures = []
    form = f"/staff/projects/{projects[0]}/updates/new"
    token = staff.csrf_token(form)
    for n in range(UPDATES):
        path = f"/staff/projects/{projects[n % 2]}/updates/new"
        status, _, body = staff.request(path, {
            "status": "on_track", "eta_confidence": "medium", "action": "publish",
            "body": f"Writer {number}, update {n}: cabling done on floor {n}.", "csrf_token": token,
        })
        if status != 302 or "database is locked" in body:
            failures.append(f"POST {path} -> {status}")
    client = Browser(server.base)
    token = client.csrf_token(answers[0][0])
    mine = answers[(number % (WRITERS // 2)) * ANSWERS:][:ANSWERS]  # writer n and n+4 share these
    for link, scores in mine:
        status, _, body = client.request(link, {**scores, "csrf_token": token})
        if status != 200 or "Thank you" not in body or "database is locked" in body:
            failures.append(f"POST {link[:20]}... -> {status}")
    return failures


def test_eight_writers_at_once_lose_nothing_duplicate_nothing_and_never_fail(app, busy_portal):
    server, projects, answers = busy_portal
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        failures = [failure for failed in pool.map(
            lambda n: _writer(server, projects, answers, n), range(WRITERS)) for failure in failed]
    assert failures == []
    assert "database is locked" not in server.errors.read_text()
    assert "Traceback" not in server.errors.read_text()
    with app.app_context():
        bodies = db.session.scalars(select(StatusUpdate.body)).all()
        assert sorted(bodies) == sorted(f"Writer {w}, update {n}: cabling done on floor {n}."
                                        for w in range(WRITERS) for n in range(UPDATES))
        answered = db.session.scalar(select(func.count()).select_from(PulseRequest)
                                     .where(PulseRequest.answered_at.is_not(None)))
        rows = db.session.execute(select(PulseAnswer.request_id, PulseAnswer.question_id)).all()
        questions = sum(len(scores) for _, scores in answers)
        assert answered == PULSES
        assert len(rows) == len(set(rows)) == questions  # each answer once, though sent twice
