"""Staff trend charts read on a phone: the pulse trend on /staff/pulses and the health trend on an
account's health page are drawn narrow there, their text 11 px or more at 390 px (the wide chart
scaled down drew about 5 px), and their axis labels apart."""

from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.health import weeks
from portal.health.models import HealthSnapshot
from tests.browser.support import DESKTOP, PHONE_390, layout_problems
from tests.support.pulse_answers import UP, answer_pulses

STAFF = "priya@firm.example"

# The visible chart's texts: content, box on screen, and rendered font size in pixels.
READ_TEXTS = """() => {
  const svg = [...document.querySelectorAll("figure.chart svg")]
    .find(s => s.getClientRects().length);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text")].filter(t => t.getClientRects().length && t.textContent)
    .map(t => {
      const box = t.getBoundingClientRect();
      return {text: t.textContent, left: box.left, right: box.right, top: box.top,
              px: parseFloat(getComputedStyle(t).fontSize) * scale,
              axis: t.closest("g.axis.x") !== null};
    });
}"""


def assert_readable(page, width: int) -> None:
    """Every text 11 px or more, x-axis labels apart, and the page not scrolling sideways."""
    texts = page.evaluate(READ_TEXTS)
    assert texts, "no chart drawn"
    assert min(t["px"] for t in texts) >= 11, texts
    months = sorted((t for t in texts if t["axis"]), key=lambda t: t["left"])
    assert len(months) >= 2
    for before, after in zip(months, months[1:], strict=False):
        assert after["left"] - before["right"] >= 4, f"labels run together: {months}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not layout_problems(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_the_pulse_trend_is_readable_at_both_widths(app, make, new_page, sign_in, viewport):
    make.user(STAFF, role=Role.STAFF)
    for months_ago, org in enumerate(("Acme Corp", "Globex", "Initech", "Umbrella", "Hooli",
                                      "Stark", "Wayne")):
        answer_pulses(app, make, org, UP[months_ago % 4:][:2],
                      at=utcnow() - timedelta(days=31 * months_ago + 1))
    page = new_page(viewport=viewport)
    sign_in(page, STAFF)
    page.goto("/staff/pulses")
    assert_readable(page, viewport["width"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
@pytest.mark.parametrize("weeks_shown", [8, 26])
def test_the_health_trend_is_readable_at_both_widths(app, make, new_page, sign_in, viewport,
                                                    weeks_shown):
    make.user(STAFF, role=Role.STAFF)
    account = make.organization("Acme Corp")
    this_week = weeks.week_start(utcnow())
    with app.app_context():
        for back in range(weeks_shown):
            db.session.add(HealthSnapshot(
                organization_id=account.id, week_start=this_week - timedelta(days=7 * back),
                score=80 - back, band="green", metrics=[], weight_counted=45, weight_total=45,
                min_coverage=50))
        db.session.commit()
    page = new_page(viewport=viewport)
    sign_in(page, STAFF)
    page.goto(f"/staff/health/{account.id}")
    assert_readable(page, viewport["width"])
