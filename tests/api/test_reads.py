"""A program with a read key pages through the firm's records, cheaply and in a stable order."""

import re

from sqlalchemy import select

from portal.accounts.models import Organization
from portal.api import schemas
from portal.api.models import Scope
from portal.auth.models import Role, User
from portal.closeout.models import Closeout
from portal.extensions import db
from portal.health.models import HealthSnapshot
from portal.projects.models import Milestone, Project, Question, StatusUpdate
from portal.pulses.models import FollowUp, PulseAnswer
from tests.api.conftest import bearer
from tests.operations.test_query_counts import statements_for

DOCUMENTED = {
    "accounts": (Organization, schemas.Account), "contacts": (User, schemas.Contact),
    "staff": (User, schemas.Staff), "projects": (Project, schemas.Project),
    "milestones": (Milestone, schemas.Milestone), "updates": (StatusUpdate, schemas.Update),
    "questions": (Question, schemas.Question), "pulse-answers": (PulseAnswer, schemas.PulseAnswer),
    "follow-ups": (FollowUp, schemas.FollowUp), "closeouts": (Closeout, schemas.Closeout),
    "health-snapshots": (HealthSnapshot, schemas.HealthSnapshot),
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def _projects(make, count: int, organization: str = "Acme Corp") -> list[int]:
    staff = make.user(role=Role.STAFF)
    return [make.project(organization, name=f"Project {n}", contact=staff).id
            for n in range(count)]


def test_a_program_pages_through_every_project_in_id_order(app, make, new_key):
    ids = _projects(make, 7)
    secret = new_key(Scope.READ)
    client = app.test_client()
    seen, cursor = [], None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = client.get(f"/api/v1/projects{query}", headers=bearer(secret))
        assert page.status_code == 200
        seen += [p["id"] for p in page.json["data"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
        assert not cursor.isdigit() and "after" not in cursor  # opaque, not a bare id
    assert seen == ids
    first = client.get("/api/v1/projects?limit=1", headers=bearer(secret)).json["data"][0]
    assert ISO_UTC.match(first["created_at"]), first["created_at"]
    assert "external_id" in first


def test_a_bad_cursor_or_limit_is_a_problem_naming_the_field(app, new_key):
    secret = new_key(Scope.READ)
    client = app.test_client()
    for query, field in (("cursor=nonsense", "cursor"), ("limit=101", "limit"),
                         ("limit=0", "limit"), ("cursor=" + "x" * 500, "cursor")):
        answer = client.get(f"/api/v1/projects?{query}", headers=bearer(secret))
        assert answer.status_code in (400, 422), query
        assert answer.mimetype == "application/problem+json"
        assert [e["field"] for e in answer.json["errors"]] == [field], query


def test_an_unchanged_read_is_a_304_and_a_changed_one_is_not(app, make, new_key):
    project_id = _projects(make, 1)[0]
    secret = new_key(Scope.READ)
    client = app.test_client()
    for path in (f"/api/v1/projects/{project_id}", "/api/v1/projects"):
        first = client.get(path, headers=bearer(secret))
        etag = first.headers["ETag"]
        again = client.get(path, headers=bearer(secret, **{"If-None-Match": etag}))
        assert again.status_code == 304 and again.data == b""
    with app.app_context():
        db.session.get(Project, project_id).summary = "Changed elsewhere"
        db.session.commit()
    changed = client.get(f"/api/v1/projects/{project_id}",
                         headers=bearer(secret, **{"If-None-Match": etag}))
    assert changed.status_code == 200


def test_every_resource_lists_and_reads_one_as_its_schema_says(app, demo_firm, new_key):
    secret = new_key(Scope.READ, Scope.HEALTH_READ)
    client = app.test_client()
    for name in ("accounts", "contacts", "staff", "projects", "milestones", "updates",
                 "questions", "pulse-answers", "follow-ups", "closeouts", "health-snapshots"):
        page = client.get(f"/api/v1/{name}", headers=bearer(secret))
        assert page.status_code == 200, name
        assert page.json["data"], f"the demo has no {name}"
        for item in page.json["data"][:1]:
            one = client.get(f"/api/v1/{name}/{item['id']}", headers=bearer(secret))
            assert one.json == item, name
        model, schema = DOCUMENTED[name]
        with app.app_context():  # the answer is what the documented schema dumps
            for item in page.json["data"]:
                assert schema().dump(db.session.get(model, item["id"])) == item, name
    assert client.get("/api/v1/projects/2147483647", headers=bearer(secret)).status_code == 404
    staff = client.get("/api/v1/staff", headers=bearer(secret)).json["data"]
    contacts = client.get("/api/v1/contacts", headers=bearer(secret)).json["data"]
    assert {s["role"] for s in staff} <= {"staff", "admin"}
    assert not {s["id"] for s in staff} & {c["id"] for c in contacts}


def test_a_page_of_50_projects_runs_as_many_statements_as_a_page_of_5(app, make, new_key):
    _projects(make, 5, "Acme Corp")
    secret = new_key(Scope.READ)
    client = app.test_client()
    few = statements_for(app, client, "/api/v1/projects?limit=100", **bearer(secret))
    _projects(make, 45, "Globex")
    many = statements_for(app, client, "/api/v1/projects?limit=100", **bearer(secret))
    assert len(many) == len(few) <= 2, many  # the key, the page
    questions = statements_for(app, client, "/api/v1/questions", **bearer(secret))
    assert len(questions) <= 3  # the key, the page, the replies of every question on it
    with app.app_context():
        assert len(db.session.scalars(select(Project)).all()) == 50
