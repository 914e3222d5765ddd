"""Live fragments: open pages poll them; an unchanged version answers 304 without rendering."""

from collections.abc import Callable

from flask import Flask, Response, current_app, make_response, request

CACHE_CONTROL = "private, no-cache"
POLLS = "polls"  # the mark @polling leaves on a view function


def polling(view: Callable) -> Callable:
    """Mark a view that open pages poll on their own: a tab left open is not a person at work,
    and what it asks is answered without the signed-in user's organisation.

    Put it under the route decorator: the route registers the function it is given.
    """
    setattr(view, POLLS, True)
    return view


def is_poll() -> bool:
    """Whether this request is an open page polling a view marked @polling."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, POLLS, False)


def polling_endpoints(app: Flask) -> set[str]:
    """The endpoints of the views marked @polling."""
    return {name for name, view in app.view_functions.items() if getattr(view, POLLS, False)}


def live_fragment(version: str, render: Callable[[], str]) -> Response:
    """The rendered fragment with `version` as its ETag, or 304 if the browser has it already."""
    unchanged = version in request.if_none_match
    response = Response(status=304) if unchanged else make_response(render())
    response.set_etag(version)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
