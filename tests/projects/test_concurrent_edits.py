"""Staff editing the same thing at the same instant, through real gunicorn (2 workers x 4
threads) on the database under test: two people moving one project's ETA (and a milestone's)
at once, and six people correcting one published update at once. Whatever the order, the ETA
history chains, a later ETA always has a reason, and no text anyone wrote is silently lost:
it is either saved (current or kept as an earlier version) or handed back in the form with
"this changed while you were editing". Admins adding, moving and deleting the firm's values and
process steps at once each get a place of their own, in a list without gaps, and never an error.
Bounded: a few rounds, each request with a 10-second timeout, each person submitting at most 20
times."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from html import escape

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.auth.models import Role, User
from portal.content import services as content_services
from portal.content.models import ProcessStep, ValueItem
from portal.extensions import db
from portal.health.models import HealthReview
from portal.projects.funnel import record_funnel
from portal.projects.models import (
    EtaChange,
    FunnelStage,
    Milestone,
    Project,
    SelectionCount,
    StatusUpdate,
    UpdateDraft,
    UpdateRevision,
)
from portal.pulses.models import PulseTemplate, Trigger
from tests.support.factories import PASSWORD
from tests.support.forms import hidden_fields
from tests.support.servers import Browser, Gunicorn

CHANGED = "This changed while you were editing: here is the current state."
DELETED = "was deleted while you were editing it"
LATER_NEEDS_REASON = "The new ETA is later than the one the client was given: say why."
ROUNDS = 4  # projects raced in turn: each round is one instant two people publish together
CORRECTORS = 6


@pytest.fixture
def server(app, database_url, tmp_path):
    """The portal under gunicorn, as staff reach it."""
    server = Gunicorn(database_url=database_url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log", workers=2, threads=4,
                      PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
                      PORTAL_SIGN_IN_LIMIT_PER_ADDRESS='"1000 per minute"')
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def _signed_in(server: Gunicorn, email: str) -> Browser:
    browser = Browser(server.base)
    status, _, _ = browser.post_form("/login", {"email": email, "password": PASSWORD})
    assert status == 302, f"{email} could not sign in"
    return browser


def _together(*submits):
    """Run the submits in threads released at the same instant; what each returned."""
    start = threading.Barrier(len(submits), timeout=30)

    def run(submit):
        start.wait()
        return submit()

    with ThreadPoolExecutor(max_workers=len(submits)) as pool:
        return list(pool.map(run, submits))


def _chain(app, *where) -> list[tuple]:
    with app.app_context():
        changes = db.session.scalars(select(EtaChange).where(*where)
                                     .order_by(EtaChange.changed_at, EtaChange.id)).all()
        return [(c.old_eta, c.new_eta, c.reason) for c in changes]


def _assert_chained(history: list[tuple], *, start: date, now: date | None) -> None:
    """Each change starts where the previous one ended; every later date has a reason."""
    assert history, "no ETA change was saved at all"
    ended = start
    for old, new, reason in history:
        assert old == ended, f"history does not chain: {history}"
        assert new <= old or reason, f"a later ETA was saved without a reason: {history}"
        ended = new
    assert now == ended


def _publishing(browser: Browser, path: str, form: dict, *, eta: date, body: str):
    """Submitting the publish form opened earlier: the project's and its milestone's ETA moved
    to `eta`, with no reason given."""
    return lambda: browser.request(path, {
        **form, "action": "publish", "status": "on_track", "eta_confidence": "medium",
        "body": body, "eta": eta.isoformat(), "reason": "", "milestones-0-eta": eta.isoformat(),
        "milestones-0-owner_id": "0", "milestones-0-reason": "",
    })


def test_two_staff_moving_one_eta_at_once_keep_the_history_chained(app, make, server):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("sam@firm.example", role=Role.STAFF, name="Sam Okafor")
    priya, sam = (_signed_in(server, f"{name}@firm.example") for name in ("priya", "sam"))
    today = date.today()
    start, earlier, later = (today + timedelta(days=days) for days in (30, 20, 25))
    for round_ in range(ROUNDS):
        project = make.project("Acme Corp", name=f"Rollout {round_}", eta_in_days=30)
        milestone = make.milestone(project, title="Cabling", planned_in_days=30)
        path = f"/staff/projects/{project.id}/updates/new"

        # Both open the form while the ETA is `start`; Priya brings it earlier, Sam later than
        # Priya's but earlier than what he saw, so he gives no reason.
        forms = [hidden_fields(browser.request(path)[2]) for browser in (priya, sam)]
        words = [f"{who}: floor {round_} cabled." for who in ("Priya", "Sam")]
        results = [(status, page) for status, _, page in _together(
            _publishing(priya, path, forms[0], eta=earlier, body=words[0]),
            _publishing(sam, path, forms[1], eta=later, body=words[1]))]

        assert all(status in (302, 409, 422) for status, _ in results), results
        assert any(status == 302 for status, _ in results)
        for (status, page), body in zip(results, words, strict=True):
            if status != 302:  # refused: told why, with their words still in the form
                assert CHANGED in page or LATER_NEEDS_REASON in page
                assert body in page
        with app.app_context():
            now = db.session.get(Project, project.id).eta
            milestone_now = db.session.get(Milestone, milestone.id).eta
        _assert_chained(_chain(app, EtaChange.project_id == project.id,
                               EtaChange.milestone_id.is_(None)), start=start, now=now)
        _assert_chained(_chain(app, EtaChange.milestone_id == milestone.id),
                        start=start, now=milestone_now)
    assert "Traceback" not in server.errors.read_text()


def _correct_until_saved(browser: Browser, path: str, form: dict, text: str) -> list[int]:
    """Submit a correction as a person would: when it comes back as changed meanwhile, read
    the current state and submit the same words again with the returned form. Its statuses."""
    statuses = []
    for _ in range(20):
        status, _, page = browser.request(path, {**form, "body": text, "internal_note": ""})
        statuses.append(status)
        if status != 409:
            return statuses
        assert CHANGED in page and escape(text) in page  # told, and nothing typed is lost
        form = hidden_fields(page)
    return statuses


def test_six_staff_correcting_one_update_at_once_lose_no_text(app, make, server):
    people = [make.user(f"staff{n}@firm.example", role=Role.STAFF) for n in range(CORRECTORS)]
    project = make.project("Acme Corp", name="Data centre move")
    original = "Racks arrive on Tuesday."
    update = make.update(project, author=people[0], body=original)
    path = f"/staff/updates/{update.id}/edit"
    browsers = [_signed_in(server, person.email) for person in people]
    forms = [hidden_fields(browser.request(path)[2]) for browser in browsers]
    texts = [f"Racks arrive on Tuesday, says person {n}." for n in range(CORRECTORS)]

    results = _together(*[
        lambda n=n: _correct_until_saved(browsers[n], path, forms[n], texts[n])
        for n in range(CORRECTORS)
    ])

    assert all(statuses[-1] == 302 for statuses in results), results
    with app.app_context():
        current = db.session.get(StatusUpdate, update.id).body
        earlier = db.session.scalars(
            select(UpdateRevision.body).where(UpdateRevision.update_id == update.id)
            .order_by(UpdateRevision.replaced_at, UpdateRevision.id)).all()
    assert len(earlier) == CORRECTORS  # six corrections: six earlier texts kept
    assert earlier[0] == original
    assert sorted([*earlier, current]) == sorted([original, *texts])  # each text exactly once
    assert "Traceback" not in server.errors.read_text()


def test_a_draft_saved_and_milestones_added_six_times_at_once_all_succeed(app, make, server):
    make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp", name="Office move")
    browser = _signed_in(server, "priya@firm.example")
    form = hidden_fields(browser.request(f"/staff/projects/{project.id}/updates/new")[2])

    def save_draft(n: int):
        return lambda: browser.request(f"/staff/projects/{project.id}/updates/new", {
            **form, "action": "draft", "status": "on_track", "eta_confidence": "medium",
            "body": f"Draft, take {n}.", "eta": "", "reason": ""})

    def add_milestone(n: int):
        return lambda: browser.request(f"/staff/projects/{project.id}/milestones", {
            "csrf_token": form["csrf_token"], "title": f"Floor {n}", "owner_id": "0"})

    results = _together(*(save_draft(n) for n in range(6)), *(add_milestone(n) for n in range(6)))

    assert [status for status, _, _ in results] == [302] * 12
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UpdateDraft)) == 1
        titles = db.session.scalars(select(Milestone.title).order_by(Milestone.position)).all()
        assert sorted(titles) == [f"Floor {n}" for n in range(6)]
    assert "Traceback" not in server.errors.read_text()


def _admins(make, server: Gunicorn, count: int) -> list[tuple[Browser, str]]:
    """`count` admins signed in, each with the CSRF token of the firm content page."""
    admins = []
    for n in range(count):
        make.user(f"admin{n}@firm.example", role=Role.ADMIN)
        browser = _signed_in(server, f"admin{n}@firm.example")
        admins.append((browser, browser.csrf_token("/admin/content")))
    return admins


def _adding(admin: tuple[Browser, str], kind: str, title: str):
    browser, token = admin
    fields = {"title": title, "body": "What it means.", "example": "How we live it."}
    return lambda: browser.request(f"/admin/content/{kind}/new",
                                   {"csrf_token": token, "save": "Save", **fields})


def _moving(admin: tuple[Browser, str], kind: str, item_id: int, direction: str):
    browser, token = admin
    return lambda: browser.request(f"/admin/content/{kind}/{item_id}/move",
                                   {"csrf_token": token, "direction": direction})


def _posting(browser: Browser, path: str, data: dict):
    return lambda: browser.request(path, data)


def _places(app, model) -> tuple[list[int], list[str]]:
    """The list's positions and titles, in the order clients read them."""
    with app.app_context():
        items = content_services.ordered_items(model)
        return [item.position for item in items], [item.title for item in items]


def test_admins_adding_values_at_once_each_get_their_own_place(app, make, server):
    admins = _admins(make, server, 4)
    added = []
    for round_ in range(ROUNDS):
        titles = [f"Value {round_}.{n}" for n in range(8)]
        results = _together(*(_adding(admins[n % 4], "values", title)
                              for n, title in enumerate(titles)))
        assert [status for status, _, _ in results] == [302] * 8
        added += titles

    positions, titles = _places(app, ValueItem)
    assert positions == list(range(len(added)))  # one value per place, no gaps
    assert sorted(titles) == sorted(added)
    assert "Traceback" not in server.errors.read_text()


def test_admins_moving_steps_while_others_add_keep_one_step_per_place(app, make, server):
    admins = _admins(make, server, 4)
    with app.app_context():
        steps = [content_services.add_item(ProcessStep, by=None, title=f"Step {n}", body="How.")
                 for n in range(4)]
        db.session.commit()
        ids = [step.id for step in steps]
    expected = [f"Step {n}" for n in range(4)]
    for round_ in range(ROUNDS):
        titles = [f"Added {round_}.{n}" for n in range(4)]
        results = _together(
            _moving(admins[0], "steps", ids[0], "down"), _moving(admins[1], "steps", ids[1], "up"),
            _moving(admins[2], "steps", ids[2], "down"), _moving(admins[3], "steps", ids[3], "up"),
            *(_adding(admins[n], "steps", title) for n, title in enumerate(titles)))
        assert [status for status, _, _ in results] == [302] * 8
        expected += titles

    positions, titles = _places(app, ProcessStep)
    assert positions == list(range(len(expected)))  # still one step per place, no gaps
    assert sorted(titles) == sorted(expected)
    assert "Traceback" not in server.errors.read_text()


def test_a_value_deleted_while_others_edit_move_and_delete_it_fails_no_one(app, make, server):
    admins = _admins(make, server, 4)
    for round_ in range(ROUNDS * 2):
        with app.app_context():
            doomed, _ = (content_services.add_item(
                ValueItem, by=None, title=f"{name} {round_}", body="Body.", example="Example.")
                for name in ("Doomed", "Kept"))
            db.session.commit()
            doomed_id = doomed.id
        path = f"/admin/content/values/{doomed_id}"
        editor, token = admins[0]
        form = hidden_fields(editor.request(f"{path}/edit")[2])
        words = f"Edited in round {round_}."

        results = _together(
            _posting(editor, f"{path}/edit", {**form, "title": f"Doomed {round_}", "body": words,
                                              "example": "Example.", "save": "Save"}),
            *(_posting(browser, f"{path}/delete", {"csrf_token": token})
              for browser, token in admins[1:3]),
            _moving(admins[3], "values", doomed_id, "down"))

        statuses = [status for status, _, _ in results]
        assert statuses[1:] == [302] * 3, statuses
        assert statuses[0] in (302, 409), statuses
        if statuses[0] == 409:  # told, with the words still in the form
            assert DELETED in results[0][2] and words in results[0][2]
        with app.app_context():
            assert db.session.get(ValueItem, doomed_id) is None
    assert "Traceback" not in server.errors.read_text()


def _funnel(**counts) -> dict:
    form = {stage.value: "" for stage in FunnelStage} | {"as_of": date.today().isoformat()}
    return form | {stage: str(n) for stage, n in counts.items()}


def test_double_clicked_creates_and_first_visits_save_once(app, make, server):
    make.user("admin@firm.example", role=Role.ADMIN, name="Morgan Reyes")
    project = make.project("Acme Corp", name="Data engineer placement")
    browser = _signed_in(server, "admin@firm.example")
    token = {"csrf_token": browser.csrf_token("/admin/content")}
    clicks = {  # each form, sent four times at the same instant
        "account": ("/staff/accounts/new", {"name": "Initech", "account_owner_id": "0",
                                            "timezone": "UTC"}),
        "user": ("/admin/users/new", {"name": "Dana Lee", "email": "dana@firm.example",
                                      "role": "staff", "organization_id": "0",
                                      "password": "a first password to change"}),
        "funnel": (f"/staff/projects/{project.id}/funnel", _funnel(sourced=64, screened=22)),
    }
    first_visits = [lambda: browser.request("/admin/pulses/templates")] * 4  # makes the defaults

    results = _together(*(_posting(browser, path, {**token, **data})
                          for path, data in clicks.values() for _ in range(4)), *first_visits)

    statuses = [status for status, _, _ in results]
    for n, kind in enumerate(clicks):
        mine = statuses[4 * n:4 * n + 4]
        assert 302 in mine and set(mine) <= {302, 422}, (kind, mine)  # saved once, told after
    assert statuses[-4:] == [200] * 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization)
                                 .where(Organization.name == "Initech")) == 1
        assert db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.email == "dana@firm.example")) == 1
        counts = db.session.execute(select(SelectionCount.stage, SelectionCount.candidates)
                                    .where(SelectionCount.project_id == project.id)).all()
        assert sorted(counts) == sorted([(FunnelStage.SOURCED, 64), (FunnelStage.SCREENED, 22)])
        assert db.session.scalar(select(func.count()).select_from(PulseTemplate)) == len(Trigger)
    assert "Traceback" not in server.errors.read_text()


def test_staff_reviewing_one_account_at_once_record_one_review(app, make, server):
    people = [make.user(f"staff{n}@firm.example", role=Role.STAFF) for n in range(4)]
    organization = make.organization("Acme Corp")
    browsers = [_signed_in(server, person.email) for person in people]
    path = f"/staff/health/{organization.id}/reviews"
    review = {"mood": "watch", "note": "Quiet.", "next_action": "Call Jordan",
              "next_action_on": date.today().isoformat()}

    tokens = [browser.csrf_token(f"/staff/health/{organization.id}") for browser in browsers]

    results = _together(*(_posting(browser, path, {"csrf_token": token, **review})
                          for browser, token in zip(browsers, tokens, strict=True)
                          for _ in range(2)))  # each clicks twice

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [302] + [422] * 7  # the others are told it is reviewed already
    assert all("already been reviewed this week" in page
               for status, _, page in results if status == 422)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthReview)) == 1
    assert "Traceback" not in server.errors.read_text()


def test_staff_recording_funnel_stages_at_once_never_widen_it(app, make, server):
    make.user("priya@firm.example", role=Role.STAFF)
    make.user("sam@firm.example", role=Role.STAFF)
    priya, sam = (_signed_in(server, f"{name}@firm.example") for name in ("priya", "sam"))
    for round_ in range(ROUNDS):
        project = make.project("Acme Corp", name=f"Placement {round_}")
        with app.app_context():
            record_funnel(db.session.get(Project, project.id),
                          counts={FunnelStage.SOURCED: 60, FunnelStage.SCREENED: 20},
                          on=date.today())
            db.session.commit()
        path = f"/staff/projects/{project.id}/funnel"
        # Priya finds more were screened; Sam corrects the sourced count down below that.
        results = _together(
            _posting(priya, path, {"csrf_token": priya.csrf_token(f"/projects/{project.id}"),
                                   **_funnel(screened=30)}),
            _posting(sam, path, {"csrf_token": sam.csrf_token(f"/projects/{project.id}"),
                                 **_funnel(sourced=25)}))

        assert sorted(status for status, _, _ in results) == [302, 422]  # the later one is told
        with app.app_context():
            counts = dict(db.session.execute(
                select(SelectionCount.stage, SelectionCount.candidates)
                .where(SelectionCount.project_id == project.id)).all())
        assert counts[FunnelStage.SCREENED] <= counts[FunnelStage.SOURCED], counts
    assert "Traceback" not in server.errors.read_text()
