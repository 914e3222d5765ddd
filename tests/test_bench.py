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
