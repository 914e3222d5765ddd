"""The API's OpenAPI 3.1 document, built by flask-smorest from the views' marshmallow schemas.

flask-smorest binds to the plain Flask app (no app subclass) and its error handler is not
installed: portal/web/errors.py answers every error under /api/v1/ as problem details, and
the document says so (every operation's `default` response is application/problem+json).
"""

import http

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from portal.web.problems import PROBLEM_TYPE


class FieldError(ma.Schema):
    """One thing wrong with the request: where, which field, what."""

    location = ma.fields.String(required=True, metadata={"example": "json"})
    field = ma.fields.String(required=True, metadata={"example": "name"})
    message = ma.fields.String(required=True)


class Problem(ma.Schema):
    """RFC 9457 problem details, with the field-level list when the request was refused."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Nested(FieldError))


def conflict(description: str) -> dict:
    """alt_response()'s arguments for a 409: problem details like every other error, saying
    what conflicted."""
    return {"schema": Problem, "content_type": PROBLEM_TYPE, "description": description}


DESCRIPTION = """The firm's records for its other tools. Authenticate with
`Authorization: Bearer pk_live_...` (keys are created by an admin at /admin/api-keys).
Lists are paginated with an opaque `cursor` (stable order by id); reads carry an `ETag`;
a PATCH needs `If-Match`; a POST or PUT may carry an `Idempotency-Key` (answers replayed for 24 h).
Errors are `application/problem+json` (RFC 9457). Timestamps are ISO 8601 in UTC."""


class PortalApi(Api):
    """flask-smorest's Api, with problem details as every error and no app-wide handler."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        """Errors are answered by portal/web/errors.py, for pages and the API alike."""

    def _register_responses(self) -> None:
        """Every error status documented as problem details."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = Problem
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as problem details", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


SETTINGS = {
    "API_TITLE": "Client portal API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": DESCRIPTION},
        "components": {"securitySchemes": {
            "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "pk_live_..."}}},
        "security": [{"apiKey": []}],
    },
}


def webhooks_section() -> dict:
    """The OpenAPI 3.1 `webhooks` object: each event the portal POSTs to a registered endpoint,
    signed as Standard Webhooks (the README shows how to verify)."""
    from portal.webhooks.payloads import webhook_schemas

    signed = [{"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
              for name in ("webhook-id", "webhook-timestamp", "webhook-signature")]
    return {event: {"post": {
        "summary": f"{event}, sent to endpoints registered at /admin/webhooks",
        "parameters": signed,
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": schema}}},
        "responses": {"2XX": {"description": "Received; any other answer is retried"}},
    }} for event, schema in webhook_schemas().items()}


def register(app: Flask) -> PortalApi:
    """Bind an API (and its document) to the app and register its resources."""
    # Reads first, so the document lists each kind of record from its reads.
    from portal.api import reads  # noqa: F401, I001 (routes on the resources blueprint)
    from portal.api import changes, idempotency, kept, keys, limits, upserts, writes  # noqa: F401
    from portal.api.guard import resources
    from portal.extensions import csrf

    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    options = app.config["API_SPEC_OPTIONS"]
    app.config["API_SPEC_OPTIONS"] = {**options, "webhooks": webhooks_section()}
    api = PortalApi(app)
    idempotency.document(api.spec)
    kept.register(app)
    keys.register(app)
    limits.register(app)
    csrf.exempt(resources)  # no cookies are read there: a bearer key is the only credential
    api.register_blueprint(resources)
    return api

