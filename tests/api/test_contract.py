"""The OpenAPI document is the contract: Schemathesis sends every operation generated input
with a valid key and finds no 500 and no answer the document does not describe; and no route
under /api/v1 is left out of the document."""

import re
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.api.models import Scope
from portal.auth.models import Role
from tests.api.conftest import bearer
from tests.conftest import make_app

EXAMPLES = 15  # per operation: enough to hit every refusal, small enough for `make test`
# Every other check runs (no 5xx, statuses, content types, headers and bodies as documented,
# schema-invalid input refused). Not "schema-valid input accepted": the schema cannot say that
# a cursor must be one the API gave out, or that an open project's ETA cannot be in the past,
# and such a request is rightly refused with a 4xx problem.


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) of the document, read from an app on an empty database."""
    with tempfile.TemporaryDirectory() as instance:
        document = make_app("sqlite://", instance).test_client().get(
            "/api/v1/openapi.json").json
    return sorted((method.upper(), path) for path, operations in document["paths"].items()
                  for method in operations if method != "parameters")


@pytest.fixture
def api_schema(app, make, new_key):
    """The document as the app serves it, bound to the app, with a key of every scope and
    one of each record to find."""
    staff = make.user("priya@firm.example", role=Role.STAFF)
    project = make.project("Acme Corp", name="Website", contact=staff)
    make.milestone(project, title="Design")
    make.update(project, author=staff)
    make.question(project, author=staff)
    app.config["API_LIMIT_PER_KEY"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema, bearer(new_key(Scope.READ, Scope.WRITE, Scope.HEALTH_READ))


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_answers_as_the_document_says(api_schema, method, path):
    schema, headers = api_schema
    operation = schema[path][method.lower()]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_as_documented(case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    answers_as_documented()


def test_every_route_under_api_v1_is_in_the_document(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, operations in document["paths"].items()
                  for method in operations}
    assert document["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api-docs.openapi_json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {rule.rule} is not documented"


def test_every_error_answer_in_the_document_is_problem_details(client):
    """A program generated from the document reads each refusal, a 409 conflict as a 412 or a
    422, as the RFC 9457 problem details it is sent."""
    document = client.get("/api/v1/openapi.json").json
    shared = document["components"]["responses"]
    conflicts = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    if "$ref" in response:
                        response = shared[response["$ref"].rsplit("/", 1)[-1]]
                    assert response["content"] == {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}, (
                        f"{method.upper()} {path} {status}")
                    conflicts += status == "409"
    assert conflicts == 7  # 4 PATCHes, 3 POSTs that create


def test_every_post_and_put_declares_the_idempotency_key_it_honours(client):
    """A program generated from the document can send the header on each write that replays
    its answer (the POSTs that create and the PUT upserts), and on no other."""
    document = client.get("/api/v1/openapi.json").json
    declared = document["components"]["parameters"]["IdempotencyKey"]
    assert (declared["name"], declared["in"], declared["required"]) == (
        "Idempotency-Key", "header", False)
    assert declared["schema"]["type"] == "string" and "24 h" in declared["description"]
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    writes = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own, such as its id
                continue
            listed = reference in operation.get("parameters", [])
            assert listed == (method in ("post", "put")), f"{method.upper()} {path}"
            writes += listed
    assert writes == 11  # 8 POSTs that create, 3 PUT upserts


def test_the_document_describes_every_webhook_event_a_receiver_can_get(client):
    """A receiver reads each event's payload in the document's `webhooks` section, signed as
    Standard Webhooks; the schemas are the ones deliveries are checked against."""
    from portal.webhooks.models import EventType
    from portal.webhooks.payloads import webhook_schemas

    webhooks = client.get("/api/v1/openapi.json").json["webhooks"]
    assert set(webhooks) == {event.value for event in EventType}
    for event, schema in webhook_schemas().items():
        post = webhooks[event]["post"]
        assert post["requestBody"]["content"]["application/json"]["schema"] == schema
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id", "webhook-timestamp", "webhook-signature"}
