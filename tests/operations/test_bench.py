"""The benchmark helpers inside the app: bench-data and the bare baseline page."""

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
    assert "### SQLite: 3 accounts, 120 answers" in section and "≤3×: " in section
