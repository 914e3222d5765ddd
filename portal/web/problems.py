"""Errors as RFC 9457 problem details (application/problem+json) for the JSON API's paths.

The web error handlers ask `is_api_request()` first, so a 404, 405, 500 or a database outage
under /api/v1/ is JSON for a program, never an HTML page; the API adds field-level `errors`.
"""

from flask import Response, json, request
from werkzeug.http import HTTP_STATUS_CODES

API_PREFIX = "/api/v1/"
PROBLEM_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """True for a request to the JSON API."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None,
            headers: dict | None = None) -> Response:
    """A problem-details response: status, title, detail and the fields that were wrong."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"),
            "status": status, "detail": detail or HTTP_STATUS_CODES.get(status, "Error")}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers.update(headers or {})
    return response


def field_errors(messages: dict) -> list[dict]:
    """marshmallow's nested messages ({location: {field: [text]}}) as a flat list."""
    found: list[dict] = []

    def walk(location: str, path: list[str], node) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                walk(location, [*path, str(name)], child)
        else:
            for text in node if isinstance(node, list) else [node]:
                found.append({"location": location, "field": ".".join(path) or "_schema",
                              "message": str(text)})

    for location, fields in messages.items():
        walk(str(location), [], fields)
    return found


def from_http_error(error) -> Response:
    """A werkzeug HTTPException as problem details, with webargs' field messages if any."""
    if error.code < 400:  # 304 Not Modified: no body at all
        return Response(status=error.code)
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    detail = data.get("message") or error.description
    if messages and error.code == 422:
        detail = "The request was understood but some fields are wrong: see errors."
    elif messages and error.code == 400 and not data.get("message"):
        detail = "The request could not be read: see errors."
    return problem(error.code, detail, errors=field_errors(messages) if messages else None,
                   headers=headers)
