"""Staff clicking "Rescore this week now" at the same instant, through real gunicorn (2 workers
x 4 threads) on the database under test: each click succeeds, the week keeps one snapshot per
account, at most one alert, and every click is in the audit log. Bounded: one round of eight."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.health import weeks
from portal.health.models import HealthAlert, HealthSnapshot
from tests.support.factories import PASSWORD
from tests.support.servers import Browser, Gunicorn


@pytest.fixture
def server(app, database_url, tmp_path):
    """The portal under gunicorn, as staff reach it."""
    server = Gunicorn(database_url=database_url, instance=tmp_path / "instance",
                      log=tmp_path / "access.log", workers=2, threads=4,
                      PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
                      PORTAL_SIGN_IN_LIMIT_PER_ADDRESS='"1000 per minute"')
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def _together(*submits):
    """Run the submits in threads released at the same instant; what each returned."""
    start = threading.Barrier(len(submits), timeout=30)

    def run(submit):
        start.wait()
        return submit()

    with ThreadPoolExecutor(max_workers=len(submits)) as pool:
        return list(pool.map(run, submits))


def test_staff_rescoring_one_account_at_once_keep_one_snapshot(app, make, server):
    people = [make.user(f"staff{n}@firm.example", role=Role.STAFF) for n in range(4)]
    organization = make.organization("Acme Corp")
    this_week = weeks.week_start(utcnow())
    with app.app_context():  # last week green at 95: this week's empty score is no fall
        db.session.add(HealthSnapshot(organization_id=organization.id,
                                      week_start=this_week - timedelta(days=7), score=95,
                                      band="green", metrics=[], weight_counted=45,
                                      weight_total=45, min_coverage=50))
        db.session.commit()
    browsers = []
    for person in people:
        browser = Browser(server.base)
        status, _, _ = browser.post_form("/login", {"email": person.email, "password": PASSWORD})
        assert status == 302
        browsers.append(browser)
    path = f"/staff/health/{organization.id}/rescore"
    tokens = [b.csrf_token(f"/staff/health/{organization.id}") for b in browsers]

    results = _together(*(lambda b=b, t=t: b.request(path, {"csrf_token": t})
                          for b, t in zip(browsers, tokens, strict=True) for _ in range(2)))

    assert sorted(status for status, _, _ in results) == [302] * 8
    with app.app_context():
        kept = db.session.scalars(select(HealthSnapshot).where(
            HealthSnapshot.week_start == this_week)).all()
        assert len(kept) == 1 and kept[0].score is None  # an empty account: not enough data
        assert db.session.scalar(select(func.count()).select_from(HealthAlert)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "health.rescored")) == 8
    assert "Traceback" not in server.errors.read_text()
