"""Live fragments: open pages poll them; an unchanged version answers 304 without rendering."""

from collections.abc import Callable

from flask import Response, make_response, request

CACHE_CONTROL = "private, no-cache"
# The endpoints open pages poll on their own: a tab left open is not a person at work, and
# what they ask is answered without the signed-in user's organisation.
POLLING_ENDPOINTS = {"home.live", "projects.live"}


def live_fragment(version: str, render: Callable[[], str]) -> Response:
    """The rendered fragment with `version` as its ETag, or 304 if the browser has it already."""
    unchanged = version in request.if_none_match
    response = Response(status=304) if unchanged else make_response(render())
    response.set_etag(version)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
