"""The milestone chart as a client sees it on a laptop and on a phone: each day on its axis
once, no two labels touching, and text large enough to read (11 px or more) at 390 px."""

from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.projects.models import Milestone
from tests.browser.support import DESKTOP

PHONE = {"width": 390, "height": 844}
SPREADS = {"small": (-1, -2, 1, -1), "large": (-3, 9, 10, 11, 12, 40)}

# The visible chart's day-axis labels: text, box on screen, and rendered font size in pixels.
READ_AXIS = """() => {
  const svg = [...document.querySelectorAll("figure.chart svg")]
    .find(s => s.getClientRects().length);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("g.axis.x text")].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, left: box.left, right: box.right,
            px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
}"""


@pytest.fixture
def drifting(app, make):
    """A client's project whose milestones were delivered early and late by the given days."""

    def build(spread: tuple[int, ...]):
        make.user("jordan@acme.example", organization="Acme Corp")
        project = make.project("Acme Corp", name="Data platform")
        planned = date.today() - timedelta(days=60)
        with app.app_context():
            for n, days in enumerate(spread):
                db.session.add(Milestone(project_id=project.id, title=f"Step {n + 1}",
                                         position=n, planned_on=planned,
                                         completed_on=planned + timedelta(days=days)))
            db.session.commit()
        return project

    return build


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("spread", SPREADS.values(), ids=SPREADS.keys())
def test_the_day_axis_is_readable_at_both_widths(new_page, sign_in, drifting, spread, viewport):
    project = drifting(spread)
    page = new_page(viewport=viewport)
    sign_in(page, "jordan@acme.example")
    page.goto(f"/projects/{project.id}")
    labels = page.evaluate(READ_AXIS)

    texts = [label["text"] for label in labels]
    assert len(texts) == len(set(texts)) >= 3 and "-0" not in texts and "+0" not in texts
    assert all(int(text) for text in texts if text != "0")
    for before, after in zip(labels, labels[1:], strict=False):
        assert after["left"] - before["right"] >= 4, f"labels run together: {texts}"
    assert min(label["px"] for label in labels) >= 11, labels
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
