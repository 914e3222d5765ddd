"""One commit per API write, and the answers kept for POSTs and PUTs sent with an
Idempotency-Key.

A retried POST (or upsert by PUT) with the same key and body gets the first answer again for
24 hours (marked `Idempotent-Replayed: true`) and changes nothing; the same key with another
body is a 422. The answer is stored in the same transaction as the change it reports.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from apispec import APISpec
from flask import Response, request
from flask_smorest import abort
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.api.guard import current_key
from portal.api.models import IdempotentAnswer
from portal.db import utcnow
from portal.extensions import db

KEPT_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"
PARAMETER = "IdempotencyKey"  # the document's component, referenced by each POST and PUT


def document(spec: APISpec) -> None:
    """Declare the header once in the OpenAPI document, for the operations that honour it."""
    spec.components.parameter(PARAMETER, "header", {
        "name": HEADER, "required": False,
        "description": "Any string you choose, unique per change you mean to make: the first "
                       "answer is replayed (marked Idempotent-Replayed: true) to a retry with "
                       "the same key and body for 24 h, and nothing is changed again; the "
                       "same key with another body is a 422",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255}})


def _fingerprint() -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + b"\0"
                          + request.get_data()).hexdigest()


def _replay(answer: IdempotentAnswer) -> Response:
    if answer.fingerprint != _fingerprint():
        abort(422, message=f"This {HEADER} was used for another request.",
              errors={"header": {HEADER: ["Already used with another request body."]}})
    response = Response(answer.body, status=answer.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    if answer.location:
        response.headers["Location"] = answer.location
    return response


def _kept(idempotency_key: str) -> IdempotentAnswer | None:
    db.session.execute(delete(IdempotentAnswer).where(
        IdempotentAnswer.created_at < utcnow() - KEPT_FOR))
    return db.session.scalars(select(IdempotentAnswer).where(
        IdempotentAnswer.key_id == current_key().id,
        IdempotentAnswer.idempotency_key == idempotency_key)).one_or_none()


def committed(view: Callable) -> Callable:
    """Run a write, commit it once; a POST or PUT with an Idempotency-Key is answered once."""

    @wraps(view)
    def write(*args, **kwargs):
        idempotency_key = (request.headers.get(HEADER) if request.method in ("POST", "PUT")
                           else None)
        if idempotency_key is not None:
            if not 1 <= len(idempotency_key) <= 255:
                abort(400, errors={"header": {HEADER: ["Between 1 and 255 characters."]}})
            kept = _kept(idempotency_key)
            if kept is not None:
                return _replay(kept)
        response = view(*args, **kwargs)
        if response.status_code >= 400:
            db.session.rollback()
            return response
        if idempotency_key is not None:
            db.session.add(IdempotentAnswer(
                key_id=current_key().id, idempotency_key=idempotency_key,
                fingerprint=_fingerprint(), status_code=response.status_code,
                body=response.get_data(as_text=True), location=response.headers.get("Location")))
        try:
            db.session.commit()
        except IntegrityError:  # the same key, sent twice at once: the other one won
            db.session.rollback()
            abort(409, message=f"A request with this {HEADER} is being answered; retry it.")
        return response

    return write
