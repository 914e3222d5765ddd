"""Account health at scale: every account's score recomputed, against one SQL pass over answers.

On a database filled by `flask --app portal bench-data`, in one process:
- recompute: snapshots.score_accounts over every account as of this week's Monday, the code the
  weekly snapshot, `health-backfill` and the account page run (default settings: 6 metrics);
- floor: one SQL aggregate pass over every pulse answer joined to its request, GROUP BY account
  and scale (count and mean): the least a recompute of the pulse metrics could read;
- the weekly snapshot: the same recompute, a row written per account and a commit;
- the staff accounts list (the /staff/health view: account_rows, a sparkline per account, the
  template) with 13 weeks of snapshots and again with 104, to show whether it grows with history.
Rounds alternate floor and recompute, so drift on a shared machine moves both. The database's
health snapshots are replaced. Alone: `python -m bench.health URL [URL ...]` (no data made).
"""

import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.server import ROOT

ROUNDS = int(os.environ.get("BENCH_HEALTH_ROUNDS", 5))
LIST_ROUNDS = 2 * ROUNDS + 1  # the list takes a tenth of a second: more rounds, less noise
SHORT_WEEKS, LONG_WEEKS = 13, 104
RESULTS = ROOT / "bench" / ".health-results.pickle"


def _seconds(work: Callable[[], object]) -> float:
    from portal.extensions import db

    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    db.session.rollback()  # no transaction (or PostgreSQL snapshot) carried into the next one
    return elapsed


def _floor() -> None:
    """One pass over every answer: count and mean per account and scale."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.pulses.models import PulseAnswer, PulseRequest

    db.session.execute(
        select(PulseRequest.organization_id, PulseAnswer.scale, func.count(),
               func.avg(PulseAnswer.score))
        .select_from(PulseAnswer).join(PulseRequest)
        .group_by(PulseRequest.organization_id, PulseAnswer.scale)).all()


def _parts(ids: list[int], as_of, config) -> dict[str, float]:
    """Each query group of one recompute, timed alone: what the recompute's time is made of."""
    from portal.health import metrics

    parts = {"pulse answers (satisfaction, loyalty)": lambda: metrics.pulse_figures(ids, as_of),
             "promises kept": lambda: metrics.promises(ids, as_of),
             "communication": lambda: metrics.communication(ids, as_of),
             "engagement": lambda: metrics.engagement(ids, as_of),
             "responsiveness": lambda: metrics.responsiveness(
                 ids, as_of, target_days=config.response_target_days)}
    return {name: _seconds(work) for name, work in parts.items()}


def _older_snapshots(weeks: int) -> None:
    """Copies of this week's scores for earlier weeks, until `weeks` weeks of history exist."""
    from sqlalchemy import func, insert, select, text

    from portal.extensions import db
    from portal.health.models import HealthSnapshot

    latest = db.session.scalar(select(func.max(HealthSnapshot.week_start)))
    oldest = db.session.scalar(select(func.min(HealthSnapshot.week_start)))
    current = db.session.execute(select(HealthSnapshot.organization_id, HealthSnapshot.score,
                                        HealthSnapshot.band)
                                 .where(HealthSnapshot.week_start == latest)).all()
    for back in range((latest - oldest).days // 7 + 1, weeks):
        week = latest - timedelta(days=7 * back)
        db.session.execute(insert(HealthSnapshot), [
            {"organization_id": org, "week_start": week, "score": score, "band": band,
             "metrics": []} for org, score, band in current])
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        # Two years of weekly rows never sit in the write-ahead log at once: they are
        # checkpointed as they accrue. Read them from the database file, as they would be.
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()


def _staff_list(app, staff_id: int) -> float:
    """The /staff/health view for one member of staff, without the HTTP and session layers."""
    from flask_login import login_user

    from portal.auth.models import User
    from portal.extensions import db
    from portal.health import views

    with app.test_request_context("/staff/health"):
        login_user(db.session.get(User, staff_id))
        return _seconds(views.index)


def _lists(app, staff_id: int) -> dict[int, list[float]]:
    """The staff list's times at SHORT_WEEKS and LONG_WEEKS weeks of snapshots."""
    found = {}
    for weeks in (SHORT_WEEKS, LONG_WEEKS):
        _older_snapshots(weeks)
        _staff_list(app, staff_id)  # warm: templates compiled, rows cached by the database
        found[weeks] = [_staff_list(app, staff_id) for _ in range(LIST_ROUNDS)]
    return found


def _measure(app) -> dict:
    from sqlalchemy import delete, func, select

    from portal.auth.models import Role, User
    from portal.db import utcnow
    from portal.extensions import db
    from portal.health import snapshots
    from portal.health.models import HealthSnapshot
    from portal.health.settings import current_config
    from portal.health.weeks import week_begins_at, week_start
    from portal.pulses.models import PulseAnswer

    ids, config = snapshots._all_organization_ids(), current_config()
    as_of = week_begins_at(week_start(utcnow()))
    answers = db.session.scalar(select(func.count()).select_from(PulseAnswer))
    _seconds(_floor), _seconds(lambda: snapshots.score_accounts(ids, as_of, config))  # warm
    floor, recompute = [], []
    for _ in range(ROUNDS):
        floor.append(_seconds(_floor))
        recompute.append(_seconds(lambda: snapshots.score_accounts(ids, as_of, config)))
    db.session.execute(delete(HealthSnapshot))
    db.session.commit()
    snapshot = _seconds(lambda: (snapshots.snapshot_week(as_of.date(), alert=False, config=config),
                                 db.session.commit()))
    staff = db.session.scalar(select(User.id).where(User.role == Role.STAFF).limit(1))
    return {"accounts": len(ids), "answers": answers, "rounds": ROUNDS, "floor": floor,
            "recompute": recompute, "snapshot": snapshot, "metrics": len(config.active),
            "parts": _parts(ids, as_of, config), "lists": _lists(app, staff)}


def bench(url: str) -> dict:
    """Recompute against the floor, the weekly snapshot and the staff list, on one database."""
    from portal import create_app
    from portal.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        try:
            return _measure(app)
        finally:
            db.session.remove()
            db.engine.dispose()


def backend_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def main(urls: list[str]) -> None:
    """Measure the given, already filled databases; print the section of docs/benchmarks.md."""
    from bench import report

    results = {}
    for url in urls:
        print(f"{backend_name(url)}: health ...", file=sys.stderr, flush=True)
        results[backend_name(url)] = {"health": bench(url)}
    RESULTS.write_bytes(pickle.dumps(results))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("\n".join(report.health_section(results, separately=(
        f"Measured apart from the run above: `python -m bench.health` on {when}, commit "
        f"`{commit}`, medians of {ROUNDS} rounds, on databases filled by `flask --app portal "
        f"bench-data`."))))
    print(f"(results kept in {RESULTS})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
