"""CSV import speed: rows per second of a whole import against a bare bulk insert of its rows.

Each round makes two scratch SQLite databases with the same 100 accounts and one member of
staff. In one, the portal imports a 10,000-row file: read and check every cell, plan every row
against the database, write the plan, audit it, commit (services.plan_import, apply_import).
In the other, the rows the import wrote are inserted bare, one executemany and a commit, with
no reading or checking at all. The ratio of the two rates is what the import's own work costs;
the target is at least 0.25, judged on CPU time (as the page benchmarks are: the machine is
shared). Rounds alternate the two and the medians are compared.

    python -m bench.imports [ROWS] [ROUNDS]
"""

import statistics
import sys
import tempfile
import time

ACCOUNTS = 100
TARGET = 0.25


def _contacts(rows: int) -> bytes:
    lines = ["contact_id,account_id,name,email,job_title,phone"]
    lines += [f"C-{i},A-{i % ACCOUNTS},Person {i},person{i}@client{i % ACCOUNTS}.example,"
              f"Buyer,+44 20 7946 {i % 10000:04d}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _projects(rows: int) -> bytes:
    lines = ["project_id,account_id,name,summary,status,eta,eta_confidence,contact_email,"
             "update_cadence_days,started_on"]
    lines += [f"P-{i},A-{i % ACCOUNTS},Project {i},\"Work, in phases\",on_track,"
              f"2030-{1 + i % 12:02d}-{1 + i % 28:02d},medium,staff@bench.example,7,2026-01-05"
              for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


FILES = {"contacts": _contacts, "projects": _projects}


def _database(folder: str, name: str):
    """An app on a new SQLite file with the accounts and the member of staff the files name."""
    from sqlalchemy import insert

    from portal import create_app
    from portal.accounts.models import Organization
    from portal.auth.models import Role, User
    from portal.extensions import db

    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/{name}.db", "SECRET_KEY": "bench"},
                     instance_path=folder)
    with app.app_context():
        db.create_all()
        db.session.execute(insert(Organization), [
            {"name": f"Client {i}", "slug": f"client-{i}", "external_id": f"A-{i}"}
            for i in range(ACCOUNTS)])
        db.session.add(User(email="staff@bench.example", name="Sam", role=Role.STAFF))
        db.session.commit()
    return app


def _import(app, data: bytes) -> tuple[float, float]:
    from portal.extensions import db
    from portal.imports import services

    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        plan = services.plan_import(data, filename="bench.csv")
        services.apply_import(plan, by=None)
        db.session.commit()
        return time.perf_counter() - started, time.process_time() - cpu


def _bare(app, data: bytes) -> tuple[float, float]:
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.imports import services

    with app.app_context():
        plan = services.plan_import(data, filename="bench.csv")  # not timed: the rows only
        rows = [row.values for row in plan.rows]
        model = services.MODELS[plan.kind.name]
        db.session.rollback()
        started, cpu = time.perf_counter(), time.process_time()
        db.session.execute(insert(model), rows)
        db.session.commit()
        return time.perf_counter() - started, time.process_time() - cpu


def bench(rows: int = 10_000, rounds: int = 5) -> dict:
    """Medians of the import and the bare insert of the same rows, per kind of file: wall
    time, and this process's CPU time (SQLite runs in it), which other work on a shared
    machine disturbs far less."""
    results = {"rows": rows, "rounds": rounds, "kinds": {}}
    for kind, make in FILES.items():
        data, portal, bare = make(rows), [], []
        for number in range(rounds):
            with tempfile.TemporaryDirectory() as folder:
                portal.append(_import(_database(folder, f"i{number}"), data))
                bare.append(_bare(_database(folder, f"b{number}"), data))
        results["kinds"][kind] = {
            "import": statistics.median(w for w, _ in portal),
            "bare": statistics.median(w for w, _ in bare),
            "import_cpu": statistics.median(c for _, c in portal),
            "bare_cpu": statistics.median(c for _, c in bare), "bytes": len(data)}
    return results


def section(result: dict) -> list[str]:
    """The benchmark's table for docs/benchmarks.md."""
    lines = [f"### SQLite: {result['rows']:,}-row files, medians of {result['rounds']} rounds", "",
             "| file | import: wall, CPU | rows per CPU-s | bare insert: wall, CPU | "
             "rows per CPU-s | ratio (CPU) | ratio (wall) | target |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for kind, f in result["kinds"].items():
        rate, bare = result["rows"] / f["import_cpu"], result["rows"] / f["bare_cpu"]
        verdict = "met" if rate / bare >= TARGET else "**missed**"
        lines.append(f"| {kind} ({f['bytes'] / 1024 / 1024:.1f} MB) | {f['import']:.2f} s, "
                     f"{f['import_cpu']:.2f} s | {rate:,.0f} | {f['bare']:.2f} s, "
                     f"{f['bare_cpu']:.2f} s | {bare:,.0f} | {rate / bare:.2f} | "
                     f"{f['bare'] / f['import']:.2f} | ≥{TARGET} (CPU): {verdict} |")
    return [*lines, ""]


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    print("\n".join(section(bench(*arguments))))
