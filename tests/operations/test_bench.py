"""The benchmark helpers inside the app: bench-data and the bare baseline page."""

from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.projects.models import Project, StatusUpdate
from portal.pulses.models import PulseAnswer
from tests.conftest import make_app, sign_in


def test_the_bare_page_exists_only_when_benchmarking(app, database_url, tmp_path):
    assert app.test_client().get("/bench/bare").status_code == 404
    bench = make_app(database_url, str(tmp_path / "bench"), BENCH=True)
    response = bench.test_client().get("/bench/bare")
    assert response.status_code == 200 and b"ok" in response.data
    with bench.app_context():
        db.engine.dispose()


def test_bench_data_fills_accounts_projects_updates_and_exactly_the_answers_asked(app):
    runner = app.test_cli_runner()
    args = ["bench-data", "--accounts", "3", "--projects-per-account", "2",
            "--updates-per-project", "4", "--answers", "101", "--long-history", "9"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Project.id))) == 6
        assert db.session.scalar(select(func.count(StatusUpdate.id))) == 5 * 4 + 9
        assert db.session.scalar(select(func.count(PulseAnswer.id))) == 101
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already has bench data" in again.output


def test_a_bench_client_can_sign_in_and_see_the_dashboard(app, client):
    app.test_cli_runner().invoke(args=["bench-data", "--accounts", "1", "--answers", "10",
                                       "--updates-per-project", "2", "--long-history", "30"])
    response = sign_in(client, "client1@a00001.bench.example", "bench-password-2026")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Project 01" in page


def test_the_health_benchmark_runs_on_bench_data_and_counts_every_account(app):
    from bench import health as health_bench
    from bench import report
    from portal.health.models import HealthSnapshot

    app.test_cli_runner().invoke(args=["bench-data", "--accounts", "3", "--answers", "120",
                                       "--updates-per-project", "3", "--long-history", "5"])
    with app.app_context():
        result = health_bench._measure(app)
        weeks = db.session.scalar(select(func.count(func.distinct(HealthSnapshot.week_start))))
    assert result["accounts"] == 3 and result["answers"] == 120
    assert len(result["floor"]) == len(result["recompute"]) == health_bench.ROUNDS
    assert sorted(result["lists"]) == [health_bench.SHORT_WEEKS, health_bench.LONG_WEEKS]
    assert weeks == health_bench.LONG_WEEKS
    section = "\n".join(report.health_section({"SQLite": {"health": result}}))
    assert "### SQLite: 3 accounts, 120 answers" in section
    assert f"≤{report.HEALTH_TARGET:.0f}×: " in section


def test_the_page_benchmark_counts_the_cpu_the_server_and_its_database_spend(app, database_url):
    # Throughput from outside moves with whatever else shares the machine, so the benchmark
    # reads requests per CPU-second of the server: gunicorn's master and workers and, on
    # PostgreSQL, the database backends serving them. Real requests must show in both.
    from bench import cpu
    from bench.server import Browser, gunicorn

    app.test_cli_runner().invoke(args=["bench-data", "--accounts", "1", "--answers", "10",
                                       "--updates-per-project", "2", "--long-history", "3"])
    postgres = database_url.startswith("postgresql")
    with gunicorn(database_url) as (base, master):
        browser = Browser(base)
        browser.sign_in("client1@a00001.bench.example", "bench-password-2026")
        server = cpu.ServerCpu(master, database_url)
        before = server.read()
        for _ in range(40):
            assert browser.get("/")[0] == 200
        spent = server.since(before)
        after = server.read()
        server.close()
        names = {pid: Path(f"/proc/{pid}/comm").read_text().strip() for pid in after}
    backends = {pid for pid, name in names.items() if name == "postgres"}
    assert master.pid in after and len(set(after) - backends - {master.pid}) == 2
    assert bool(backends) == postgres  # the database's share is counted on PostgreSQL only
    assert spent > 0
    assert all(after[pid] >= before.get(pid, 0) for pid in after)
    if postgres:
        assert sum(after[pid] - before.get(pid, 0) for pid in backends) > 0


def test_each_page_is_read_by_the_median_of_its_rounds_cpu_ratios():
    # Five rounds of (bare, page): the bare page answers 100 requests per CPU-second each time,
    # the dashboard 50, 70, 20, 90 and 60. Its ratios 0.5, 0.7, 0.2, 0.9, 0.6 have the median
    # 0.6, under the dashboard's target of 0.65; the odd round (0.2) moves nothing.
    from bench import report
    from bench.cpu import Measured
    from bench.load import LoadResult

    def measured(requests: int) -> Measured:
        return Measured(LoadResult(rps=requests / 4, p50_ms=5.0, p99_ms=20.0,
                                   requests=requests, errors=0), cpu_seconds=1.0)

    rounds = [(measured(100), measured(n)) for n in (50, 70, 20, 90, 60)]
    pages = dict.fromkeys(report.PAGE_TARGETS, rounds)
    row = next(line for line in report.pages_table("SQLite", pages)
               if line.startswith("| dashboard |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[1:6] == ["60", "100", "**0.60**", "0.20–0.90", "≥0.65: **missed**"]
