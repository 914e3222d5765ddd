"""Every pulse figure rounds half up (away from zero for a negative NPS), the same on the report,
its chart, the closeout page and its PDF, and says what it counts.

Eight closeout pulses give CSAT 5 of 8 = 62.5%, NPS (3 promoters − 2 detractors) / 8 = +12.5
and CES 34 / 8 = 4.25: banker's rounding showed 62%, +12 and 4.2; by hand they are 63%, +13, 4.3.
"""

import csv
import io
import math
import re
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from portal.auth.models import Role
from portal.health import metrics
from portal.home.client import ProjectCard
from portal.projects.models import ProjectStatus
from portal.pulses.charts import trend_chart
from portal.web import numbers
from tests.support.pdf_text import pdf_text
from tests.support.pulse_answers import DOWN, UP, answer_pulses

WHEN = datetime(2026, 10, 1, 12, tzinfo=UTC)


def by_hand(value: Fraction) -> int:
    """Half away from zero, as a person rounds: the test's own rule, not the portal's."""
    return int(math.copysign(math.floor(abs(value) + Fraction(1, 2)), value))


def expected(answers: list[tuple[int, int, int]]) -> tuple[str, str, str]:
    """CSAT %, NPS and CES mean as the pages must show them, from the standard definitions."""
    n = len(answers)
    csat = Fraction(sum(c >= 4 for c, _, _ in answers), n)
    nps = Fraction(100 * (sum(p >= 9 for _, p, _ in answers)
                          - sum(p <= 6 for _, p, _ in answers)), n)
    ces = Fraction(sum(e for _, _, e in answers), n)
    return f"{by_hand(100 * csat)}%", f"{by_hand(nps):+d}", f"{by_hand(ces * 10) / 10:.1f} / 7"


def test_the_expected_figures_are_the_halves():
    assert expected(UP) == ("63%", "+13", "4.3 / 7")
    assert expected(DOWN) == ("50%", "-13", "4.3 / 7")


@pytest.fixture
def staff_browser(make, signed_in):
    make.user("priya@firm.example", role=Role.STAFF)
    return signed_in("priya@firm.example")


def _report(browser, org_id: int) -> str:
    return browser.get(f"/staff/pulses?since=2026-09-01&until=2026-10-31"
                       f"&organization_id={org_id}").get_data(as_text=True)


def _figure(page: str, kind: str) -> str:
    found = re.search(rf'figure-{kind}"><span class="figure-value">([^<]+)<', page)
    return found.group(1)


def test_the_report_rounds_halves_up_and_a_negative_nps_away_from_zero(app, make,
                                                                       staff_browser):
    answer_pulses(app, make, "Acme Corp", UP, at=WHEN)
    answer_pulses(app, make, "Globex", DOWN, at=WHEN)
    acme = make.organization("Acme Corp").id
    globex = make.organization("Globex").id
    page = _report(staff_browser, acme)
    assert [_figure(page, k) for k in ("csat", "nps", "ces")] == ["63%", "+13", "4.3 / 7"]
    assert "5 of 8 answers" in page and "3 promoters and 2 detractors in 8 answers" in page
    assert "34 ÷ 8 answers" in page
    assert "% promoters (9–10) minus % detractors (0–6)" in page
    page = _report(staff_browser, globex)
    assert [_figure(page, k) for k in ("csat", "nps", "ces")] == ["50%", "-13", "4.3 / 7"]


def test_the_csv_rows_recompute_to_the_figures_on_the_report(app, make, staff_browser):
    answer_pulses(app, make, "Acme Corp", UP, at=WHEN)
    acme = make.organization("Acme Corp").id
    page = _report(staff_browser, acme)
    rows = list(csv.DictReader(io.StringIO(staff_browser.get(
        f"/staff/pulses.csv?since=2026-09-01&until=2026-10-31&organization_id={acme}"
    ).get_data(as_text=True))))
    by_scale = {scale: [int(r["score"]) for r in rows if r["scale"] == scale]
                for scale in ("csat", "nps", "ces")}
    recomputed = expected(list(zip(by_scale["csat"], by_scale["nps"], by_scale["ces"],
                                   strict=True)))
    assert recomputed == tuple(_figure(page, k) for k in ("csat", "nps", "ces"))


def test_the_trend_chart_plots_and_says_the_rounded_figures():
    chart = trend_chart([("2026-10", Fraction(5, 8), Fraction(25, 2)),
                         ("2026-11", Fraction(3, 8), Fraction(-25, 2))])
    assert "2026-10: CSAT 63%, NPS +13; 2026-11: CSAT 38%, NPS -13" in chart


def test_the_report_chart_uses_the_reports_monthly_figures(app, make, staff_browser):
    answer_pulses(app, make, "Acme Corp", UP, at=WHEN)
    acme = make.organization("Acme Corp").id
    assert "CSAT 63%, NPS +13" in _report(staff_browser, acme)


@pytest.fixture
def closed_project(app, make):
    """A finished Acme project with the eight answer sets, closed out."""
    staff = make.user("dana@firm.example", role=Role.STAFF, name="Dana Whitfield")
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    answer_pulses(app, make, "Acme Corp", UP, project=project)
    make.closeout(project, contact=staff)
    return project


def test_the_closeout_page_and_its_pdf_round_the_same_way(app, make, signed_in,
                                                          closed_project):
    browser = signed_in("client0@acmecorp.example")
    page = browser.get(f"/projects/{closed_project.id}/closeout").get_data(as_text=True)
    assert [_figure(page, k) for k in ("csat", "nps", "ces")] == ["63%", "+13", "4.3 / 7"]
    assert "% promoters (9–10) minus % detractors (0–6)" in page
    pdf = browser.get(f"/projects/{closed_project.id}/closeout.pdf").data
    text = pdf_text(pdf, layout=True)
    assert "63%" in text and "+13" in text and "4.3 / 7" in text
    assert "62%" not in text and "+12" not in text
    assert "NPS: % promoters (9–10) minus" in text and "% detractors (0–6)" in text


def test_the_health_explanation_rounds_halves_up():
    loyalty = metrics.loyalty_of(metrics.PulseFigures(nps_n=8, promoters=3, detractors=2))
    assert "NPS +13 from 8 answers" in loyalty.inputs
    assert loyalty.score == 56  # (12.5 + 100) / 2 = 56.25
    effort = metrics.effort_of(metrics.PulseFigures(ces_n=8, ces_sum=34))
    assert "CES mean 4.25 of 7" in effort.inputs and effort.score == 54  # 54.17
    assert numbers.tidy(Fraction(25, 2)) == "12.5" and numbers.tidy(12.25) == "12.3"
    assert numbers.tidy(Fraction(-1, 40)) == "0"


def test_a_dashboard_progress_bar_of_one_in_eight_is_13_percent():
    card = ProjectCard(project=None, milestones_done=1, milestones_total=8, next_milestone=None,
                       last_update_at=None, summary=None)
    assert card.progress_percent == 13  # 12.5


@pytest.mark.parametrize(("value", "places", "shown"), [
    (Fraction(5, 8), 2, "0.63"), (0.145, 2, "0.15"), (-0.125, 2, "-0.13"), (2.675, 2, "2.68"),
    (74.5, 0, "75"), (-12.5, 0, "-13"), (0.49999999999999994, 0, "0"), (Fraction(1, 3), 1, "0.3"),
])
def test_the_one_rule_rounds_halves_away_from_zero(value, places, shown):
    assert numbers.decimals(value, places) == shown

