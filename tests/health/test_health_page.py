"""The account health page and every list that shows a score: one source (the snapshot) on all
of them, the bands and coverage a snapshot was scored with, "not enough data" for thin data,
each metric's weekly trend, and the rescore buttons. Every figure is recomputed here from the
rows with plain SQL and plain arithmetic."""

import re
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text

from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.health import snapshots, weeks
from portal.health.models import HealthAlert, HealthSnapshot, Metric, MetricWeight
from portal.health.scoring import HealthScore, MetricResult
from portal.notifications.models import MessageKind, OutboxMessage
from tests.conftest import csrf_token
from tests.health import test_health
from tests.health.test_health import _answer_closeout, _org_id
from tests.support.forms import field_values

acme = test_health.acme  # the account, its owner Priya, an admin and a client, as there


def _this_week() -> date:
    """This week's Monday (UTC), read when asked: the suite may run past Monday 00:00 UTC."""
    return weeks.week_start(utcnow())


def _monday() -> datetime:
    return weeks.week_begins_at(_this_week())


def _last_week() -> date:
    return _this_week() - timedelta(days=7)

PULSE_METRICS = {Metric.SATISFACTION: 25, Metric.LOYALTY: 10, Metric.EFFORT: 10}


def _weights(app, weights: dict[Metric, int]) -> None:
    """The admin's choice: these metrics count, with these weights."""
    with app.app_context():
        for metric in Metric:
            db.session.add(MetricWeight(metric=metric, weight=weights.get(metric, 10),
                                        active=metric in weights))
        db.session.commit()


def _answers(app, client_id: int, before_monday: timedelta = timedelta(days=2)) -> None:
    """Four closeout answers just before this Monday: CSAT 5, 4, 2, 5; NPS 10, 6, 9, 8;
    CES 6, 5, 7, 3."""
    with app.app_context():
        start = _monday() - before_monday
        for hours, (csat, nps, ces) in enumerate(((5, 10, 6), (4, 6, 5), (2, 9, 7), (5, 8, 3))):
            _answer_closeout(client_id, start - timedelta(hours=hours), csat, nps, ces)
        db.session.commit()


def _half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2))


def _expected(app, org: int, weights: dict[Metric, int]) -> tuple[int | None, int]:
    """The score and the coverage (%) recomputed from the answers with plain SQL: every
    answer is within a week of Monday, so CSAT is the plain share of 4s and 5s; NPS and CES
    as the README defines them; 3 answers at least; metrics without pulses have no data."""
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT a.scale, a.score FROM pulse_answer a JOIN pulse_request r "
            "ON r.id = a.request_id WHERE r.organization_id = :org AND a.answered_at < :monday"),
            {"org": org, "monday": _monday()}).all()
    by_scale: dict[str, list[int]] = {}
    for scale, score in rows:
        by_scale.setdefault(scale, []).append(score)
    metric_scores = {}
    if len(csat := by_scale.get("csat", [])) >= 3:
        metric_scores[Metric.SATISFACTION] = _half_up(Fraction(100 * sum(s >= 4 for s in csat),
                                                               len(csat)))
    if len(nps := by_scale.get("nps", [])) >= 3:
        net = Fraction(100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)), len(nps))
        metric_scores[Metric.LOYALTY] = _half_up((net + 100) / 2)
    if len(ces := by_scale.get("ces", [])) >= 3:
        metric_scores[Metric.EFFORT] = _half_up((Fraction(sum(ces), len(ces)) - 1) * 100 / 6)
    counted = sum(weights[m] for m in metric_scores)
    total = sum(weights.values())
    coverage = _half_up(Fraction(100 * counted, total))
    if 100 * counted < 50 * total:
        return None, coverage
    return _half_up(Fraction(sum(s * weights[m] for m, s in metric_scores.items()),
                             counted)), coverage


def _rescore(browser, org: int):
    token = csrf_token(browser, f"/staff/health/{org}")
    return browser.post(f"/staff/health/{org}/rescore", data={"csrf_token": token})


def _list_cell(page: str, name: str) -> str:
    """The list's score cell of one account, as text."""
    row = re.search(rf'>{re.escape(name)}</a></td>.*?<td data-label="Score">(.*?)</td>',
                    page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def _page_score(page: str) -> str:
    return re.search(r'id="health-score">([^<]+)<', page).group(1)


# --- one source: the list and the page ------------------------------------------------------


def test_the_list_and_the_page_show_the_same_snapshot_and_say_which(app, acme, signed_in):
    _weights(app, PULSE_METRICS)
    _answers(app, acme["client"].id)
    with app.app_context():
        org = _org_id("Acme Corp")
    browser = signed_in("priya@firm.example")

    # No snapshot this week: neither invents a figure (the page used to compute 71 on the fly).
    page = browser.get(f"/staff/health/{org}").get_data(as_text=True)
    listed = browser.get("/staff/health").get_data(as_text=True)
    assert _page_score(page) == "—" and "has not been taken yet" in page
    assert _list_cell(listed, "Acme Corp") == "no snapshot yet"
    assert "71" not in _list_cell(listed, "Acme Corp") and 'class="metric-score"' not in page

    # Staff score this week with the button: both show the same figure, as of Monday 00:00 UTC.
    assert _rescore(browser, org).status_code == 302
    score, coverage = _expected(app, org, PULSE_METRICS)
    assert (score, coverage) == (71, 100)  # 75, 63, 71 weighted 25, 10, 10: 71.44
    page = browser.get(f"/staff/health/{org}").get_data(as_text=True)
    listed = browser.get("/staff/health").get_data(as_text=True)
    assert _page_score(page) == str(score)
    assert f"as of Monday {_this_week().strftime('%-d %b %Y')} 00:00 UTC" in page
    assert _list_cell(listed, "Acme Corp") == f"! Amber {score} · {coverage}% of the weight"
    assert "computed from the data as of Monday 00:00 UTC" in listed
    assert "has not been taken yet" not in page

    # Data changed after Monday and dated before it: the page keeps showing the snapshot, like
    # the list, until someone rescores.
    _answers(app, acme["client"].id, before_monday=timedelta(days=3))
    page = browser.get(f"/staff/health/{org}").get_data(as_text=True)
    assert _page_score(page) == str(score)


def test_an_older_snapshot_is_shown_on_both_with_its_week(app, acme, signed_in):
    _weights(app, PULSE_METRICS)
    _answers(app, acme["client"].id, before_monday=timedelta(days=9))
    with app.app_context():
        snapshots.snapshot_week(_last_week(), alert=False)
        db.session.commit()
        org = _org_id("Acme Corp")
        last = db.session.scalars(select(HealthSnapshot)).one()
    browser = signed_in("priya@firm.example")
    page = browser.get(f"/staff/health/{org}").get_data(as_text=True)
    listed = browser.get("/staff/health").get_data(as_text=True)
    label = weeks.week_label(_last_week())
    assert _page_score(page) == str(last.score) and f"health score, {label}" in page
    assert f"{last.score} · 100% of the weight ({label})" in _list_cell(listed, "Acme Corp")
    assert f"This week's snapshot ({weeks.week_label(_this_week())}) has not been taken yet" in page


# --- bands kept with the snapshot -------------------------------------------------------------


def _save_settings(browser, **changes):
    page = browser.get("/admin/health/settings").get_data(as_text=True)
    data = field_values(page) | {k: str(v) for k, v in changes.items()}
    return browser.post("/admin/health/settings", data=data)


def _shown_band_and_bands(page: str) -> tuple[str, int, int]:
    band = re.search(r'id="health-score">\d+<.*?chip-icon" aria-hidden="true">.</span> (\w+)',
                     page, re.S).group(1)
    green, amber = map(int, re.search(
        r'id="snapshot-bands">Green from (\d+), amber from (\d+)', page).groups())
    return band, green, amber


def _band_by_hand(score: int, green: int, amber: int) -> str:
    return "Green" if score >= green else "Amber" if score >= amber else "Red"


def test_a_snapshot_shows_the_bands_it_was_scored_with_until_rescored(app, acme, signed_in):
    _weights(app, PULSE_METRICS)
    _answers(app, acme["client"].id)
    with app.app_context():
        org = _org_id("Acme Corp")
    staff, admin = signed_in("priya@firm.example"), signed_in("admin@firm.example")
    _rescore(staff, org)
    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    assert _shown_band_and_bands(page) == ("Amber", 75, 50)

    assert _save_settings(admin, green_from=70).status_code == 302
    assert "until you rescore them" in admin.get("/admin/health/settings").get_data(as_text=True)
    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    band, green, amber = _shown_band_and_bands(page)
    score = int(_page_score(page))
    assert (band, green, amber) == ("Amber", 75, 50) == (_band_by_hand(score, green, amber),
                                                          green, amber)
    assert "Green from 70" not in page  # neither the text nor the chart's line contradicts it
    assert 'id="settings-changed"' in page and "now say green from 70" in page

    # The settings page offers to rescore this week; the admin does, and it is audited.
    settings_page = admin.get("/admin/health/settings").get_data(as_text=True)
    assert 'id="rescore-all"' in settings_page
    token = csrf_token(admin, "/admin/health/settings")
    assert admin.post("/admin/health/rescore", data={"csrf_token": token}).status_code == 302
    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    assert _shown_band_and_bands(page) == ("Green", 70, 50) and score == 71
    assert 'id="settings-changed"' not in page
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "health.rescored").order_by(AuditEvent.id)).all()
        assert [e.actor.email for e in events] == ["priya@firm.example", "admin@firm.example"]
        assert events[0].summary.endswith("for Acme Corp")
        assert events[1].summary.endswith("for 1 account")
        kept = db.session.scalars(select(HealthSnapshot)).one()
        assert (kept.green_from, kept.amber_from, kept.min_coverage) == (70, 50, 50)


def test_rescoring_needs_the_form_and_staff(app, acme, signed_in):
    with app.app_context():
        org = _org_id("Acme Corp")
    staff = signed_in("priya@firm.example")
    assert staff.post(f"/staff/health/{org}/rescore").status_code == 400  # no CSRF token
    token = csrf_token(staff, f"/staff/health/{org}")
    assert staff.post("/admin/health/rescore", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthSnapshot)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "health.rescored")) == 0


# --- thin data is honest ----------------------------------------------------------------------

THIN = {**PULSE_METRICS, Metric.PROMISES: 30, Metric.COMMUNICATION: 25}  # data on 45 of 100


def test_thin_data_shows_not_enough_data_with_its_coverage_and_raises_no_alert(
        app, acme, signed_in):
    _weights(app, THIN)
    _answers(app, acme["client"].id)
    with app.app_context():
        org = _org_id("Acme Corp")
        db.session.add(HealthSnapshot(organization_id=org, week_start=_last_week(), score=95,
                                      band="green", metrics=[], weight_counted=100,
                                      weight_total=100, min_coverage=50))
        db.session.commit()
    score, coverage = _expected(app, org, THIN)
    assert (score, coverage) == (None, 45)
    staff = signed_in("priya@firm.example")
    _rescore(staff, org)

    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    assert _page_score(page) == "not enough data"
    assert f"metrics with data carry <span id=\"health-coverage\">{coverage}% of the weight" \
        in page and "a score needs 50%" in page
    assert "chip-" not in page.split('id="health-score"')[1].split("</div>")[0]  # no band
    listed = staff.get("/staff/health").get_data(as_text=True)
    assert _list_cell(listed, "Acme Corp") == f"not enough data · {coverage}% of the weight"
    home = staff.get("/").get_data(as_text=True)
    assert f"not enough data</span><span class=\"coverage small\"> · {coverage}% of the " \
        "weight" in home.split("Accounts not yet reviewed")[1]
    csv_rows = staff.get("/staff/health.csv").get_data(as_text=True).splitlines()
    assert csv_rows[1].endswith(f",not enough data,,no,{coverage}% of the weight")
    with app.app_context():  # 95 → nothing is not a fall: no alert on thin data
        assert db.session.scalar(select(func.count()).select_from(HealthAlert)) == 0
        kept = db.session.scalars(select(HealthSnapshot).where(
            HealthSnapshot.week_start == _this_week())).one()
        assert (kept.score, kept.band, kept.weight_counted, kept.weight_total) == (
            None, None, 45, 100)

    # The admin lowers the minimum to 45%: exactly enough. Rescored, the score stands, the fall
    # from 95 raises an alert, and home shows it with its coverage.
    admin = signed_in("admin@firm.example")
    assert _save_settings(admin, min_coverage=45).status_code == 302
    _rescore(staff, org)
    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    assert _page_score(page) == "71"  # the weighted mean of the 45 covered: as before
    assert _list_cell(staff.get("/staff/health").get_data(as_text=True), "Acme Corp") == \
        f"! Amber 71 · {coverage}% of the weight"
    home = staff.get("/").get_data(as_text=True).split("Health alerts")[1].split("<h2>")[0]
    assert "Fell 24 points (95 → 71)" in home and f"· {coverage}% of the weight" in home
    with app.app_context():  # and so does the owner's email
        email = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.HEALTH_ALERT)).one()
        assert f"it is now 71 · {coverage}% of the weight (last week 95)" in email.text_body


def test_the_settings_refuse_a_coverage_outside_1_to_100(app, acme, signed_in):
    admin = signed_in("admin@firm.example")
    for bad in (0, 101):
        response = _save_settings(admin, min_coverage=bad)
        assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM health_settings")) == 0


@pytest.mark.parametrize(("counted", "total", "shown"), [
    (17, 20, 85), (1, 3, 33), (2, 3, 67), (1, 8, 13), (0, 45, 0), (45, 45, 100)])
def test_coverage_is_rounded_half_up_in_integers(counted, total, shown):
    from portal.health.models import coverage_percent

    assert coverage_percent(counted, total) == shown


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 100)), min_size=3, max_size=7),
       st.integers(1, 100))
def test_a_score_stands_exactly_from_the_minimum_share_of_the_weight(metrics, minimum):
    results = tuple(MetricResult(metric, 50 if has_data else None, "", weight=weight)
                    for metric, (has_data, weight) in zip(Metric, metrics, strict=False))
    counted = sum(r.weight for r in results if r.has_data)
    scored = HealthScore(50 if counted else None, None, results, counted)
    total = sum(w for _, w in metrics)
    expected = counted > 0 and Fraction(counted, total) >= Fraction(minimum, 100)
    assert scored.stands(minimum) == expected


# --- each metric's trend ----------------------------------------------------------------------


def test_each_metric_shows_its_weekly_scores_and_what_changed_since_last_week(
        app, acme, signed_in):
    _weights(app, PULSE_METRICS)
    _answers(app, acme["client"].id, before_monday=timedelta(days=9))  # before last Monday
    with app.app_context():
        snapshots.snapshot_week(_last_week(), alert=False)
        db.session.commit()
        for hours in range(3):  # unhappy answers this week
            _answer_closeout(acme["client"].id, _monday() - timedelta(days=1, hours=hours),
                             1, 2, 1)
        db.session.commit()
        org = _org_id("Acme Corp")
    staff = signed_in("priya@firm.example")
    _rescore(staff, org)
    with app.app_context():
        kept = {s.week_start: {m["metric"]: m["score"] for m in s.metrics}
                for s in db.session.scalars(select(HealthSnapshot))}
    page = staff.get(f"/staff/health/{org}").get_data(as_text=True)
    table = page.split('class="table table-stack health-metric-trends"')[1].split("</table>")[0]
    for metric in PULSE_METRICS:
        row = re.search(rf'<tr data-metric="{metric.value}">(.*?)</tr>', table, re.S).group(1)
        before, now = kept[_last_week()][metric.value], kept[_this_week()][metric.value]
        assert re.search(r'class="metric-before">(\d+)', row).group(1) == str(before)
        assert re.search(r'class="metric-now">(\d+)', row).group(1) == str(now)
        assert before > now and f"▼ {before - now}" in row
        # The sparkline: twelve weeks, ten without a snapshot, then last week and this one.
        assert f"oldest first: {'—, ' * 10}{before}, {now}" in row
        assert row.count("<polyline") == 1


def test_the_account_page_takes_the_same_statements_for_a_year_of_snapshots(
        app, acme, signed_in):
    _weights(app, PULSE_METRICS)
    _answers(app, acme["client"].id)
    with app.app_context():
        org = _org_id("Acme Corp")
    staff = signed_in("priya@firm.example")
    _rescore(staff, org)

    def statements() -> int:
        counted = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get(f"/staff/health/{org}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    few = statements()
    with app.app_context():
        metrics = db.session.scalars(select(HealthSnapshot)).one().metrics
        for back in range(1, 52):
            db.session.add(HealthSnapshot(
                organization_id=org, week_start=_this_week() - timedelta(days=7 * back),
                score=60, band="amber", metrics=metrics, weight_counted=45, weight_total=45,
                min_coverage=50))
        db.session.commit()
    assert statements() == few


def test_home_takes_the_same_statements_for_many_alerts(app, make, acme, signed_in):
    staff = signed_in("priya@firm.example")

    def statements() -> int:
        counted = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get("/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    def alerted(name: str) -> None:
        organization = make.organization(name)
        with app.app_context():
            db.session.add(HealthSnapshot(organization_id=organization.id, week_start=_this_week(),
                                          score=40, band="red", metrics=[], weight_counted=30,
                                          weight_total=45, min_coverage=50))
            db.session.add(HealthAlert(organization_id=organization.id, week_start=_this_week(),
                                       score=40, entered_red=True))
            db.session.commit()

    alerted("First Alerted")
    few = statements()
    for n in range(8):
        alerted(f"Alerted {n}")
    assert statements() == few
    home = staff.get("/").get_data(as_text=True).split("Health alerts")[1].split("<h2>")[0]
    assert home.count("· 67% of the weight") == 9

