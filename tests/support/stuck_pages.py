"""The portal with one more page, /test/stuck-chart, that never finishes by itself: it draws
the milestone chart as pygal was set up before labels were bounded, with a 160-character title,
which loops for ever inside pygal.util.split_title. Only tests/web/test_request_deadline.py serves
it, through gunicorn (`factory="tests.support.stuck_pages:create_app"`)."""

import resource

import pygal
from flask import Flask

from portal import create_app as create_portal

TITLE = "Migrate the reporting warehouse and reconcile every legacy ledger " * 3
# If the guard failed, the loop would grow the worker by about 20 MB a second: cap it.
ADDRESS_SPACE = 4 * 1024**3


def create_app(**kwargs) -> Flask:
    """The portal as gunicorn serves it, plus the page that hangs."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    cap = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(hard, ADDRESS_SPACE)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    app = create_portal(**kwargs)

    @app.get("/test/stuck-chart")
    def stuck_chart():
        chart = pygal.HorizontalBar(
            width=720, js=[], truncate_label=-1,
            x_title="Days against the first planned date (left of 0 = early, right = late)",
        )
        chart.x_labels = [TITLE[:160]]
        chart.add("Days", [8])
        return chart.render(is_unicode=True)

    return app
