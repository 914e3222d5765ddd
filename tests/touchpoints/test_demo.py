"""The demo's Acme has touchpoints and values answers, added once, on a fresh demo and on one
loaded before they existed; the client sees the summaries, never the notes."""

from sqlalchemy import delete, func, select

from portal.devdata import demo
from portal.extensions import db
from portal.pulses.models import ValueAnswer
from portal.touchpoints.models import Touchpoint
from tests.conftest import sign_in


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Touchpoint)),
            db.session.scalar(select(func.count()).select_from(ValueAnswer)))


def test_the_demo_adds_touchpoints_and_values_answers_once(app):
    with app.app_context():
        assert demo.load_demo() is True
        db.session.commit()
        touchpoints, answers = _counts()
        assert touchpoints == 4 and answers >= 3
        assert demo.load_demo() is False
        db.session.commit()
        assert _counts() == (touchpoints, answers)
        # A demo loaded before touchpoints existed gets them on the next run.
        db.session.execute(delete(Touchpoint))
        db.session.execute(delete(ValueAnswer))
        db.session.commit()
        assert demo.load_demo() is True
        db.session.commit()
        assert _counts() == (touchpoints, answers)
    browser = app.test_client()
    sign_in(browser, "client@acme.example", demo.DEFAULT_PASSWORD)
    page = browser.get("/").get_data(as_text=True)
    assert "Recent contact" in page and "old-orders search as the first fix" in page
    assert "biggest pain" not in page and "budget" not in page
