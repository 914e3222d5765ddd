"""`make bench`: every benchmark, on SQLite and PostgreSQL, written to docs/benchmarks.md.

Each figure is a ratio against a baseline measured in the same run on the same server, so a
busy machine moves both sides. Load goes only to 127.0.0.1 and every run is bounded in time
and count. Scale with BENCH_ACCOUNTS and BENCH_ANSWERS (defaults keep `make bench` near 13 min).
`python -m bench.run pages [SQLite|PostgreSQL]` runs only the pages and prints their tables.
"""

import logging
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench import api, cpu, health, imports, load, pdf, pulses, report
from bench.server import ROOT, Browser, flask, gunicorn, memory_kb, worker_pids

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 300))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", 300_000))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_run")
SECONDS = int(os.environ.get("BENCH_SECONDS", 4))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))  # (bare, page) pairs per page, alternating
WARM_SECONDS = 2
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", 10_000))
CLIENT = "client1@a00001.bench.example"
RESULTS = ROOT / "bench" / ".last-results.pickle"


def fresh_postgres(url: str) -> str:
    """Drop and create the benchmark's own PostgreSQL database."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def prepare(url: str) -> dict:
    """Migrate and fill the database; how long bench-data took and how many rows it wrote."""
    flask(url, "db", "upgrade")
    started = time.perf_counter()
    output = flask(url, "bench-data", "--accounts", str(ACCOUNTS), "--answers", str(ANSWERS))
    seconds = time.perf_counter() - started
    rows = sum(int(line.split()[1].replace(",", "")) for line in output.splitlines()
               if line.strip().endswith(" rows"))
    return {"seconds": seconds, "rows": rows, "rows_per_second": rows / seconds}


def long_project(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        project_id = connection.scalar(text(
            "SELECT p.id FROM project p JOIN organization o ON o.id = p.organization_id "
            "WHERE o.slug = 'bench-00001' AND p.name = 'Project 01'"))
    engine.dispose()
    return project_id


def pages(url: str, with_memory: bool) -> dict:
    """Each page against the bare endpoint on one gunicorn: after a warm-up, ROUNDS rounds of
    (bare, page) pairs for every page in turn, each run with the CPU the server spent on it."""
    project_id = long_project(url)
    results = {}
    with gunicorn(url) as (base, master):
        browser = Browser(base)
        browser.sign_in(CLIENT, "bench-password-2026")
        cookie = browser.cookie_header()
        etags = {path: browser.get(path)[1]["ETag"]
                 for path in ("/live", f"/projects/{project_id}/live")}
        cases = {
            "dashboard": (["/"], {}),
            "project page (200 updates)": ([f"/projects/{project_id}"], {}),
            "dashboard live 304": (["/live"], {"If-None-Match": etags["/live"]}),
            "project live 304": ([f"/projects/{project_id}/live"],
                                 {"If-None-Match": etags[f"/projects/{project_id}/live"]}),
        }
        server = cpu.ServerCpu(master, url)

        def measured(paths: list[str], headers: dict, seconds: int = SECONDS) -> cpu.Measured:
            before = server.read()
            run = load.run(base, paths, cookie=cookie, seconds=seconds, headers=headers)
            return cpu.Measured(run, server.since(before))

        # Warm-up: connections opened, templates compiled, each worker's page cache filled.
        for paths, headers in [(["/bench/bare"], {}), *cases.values()]:
            measured(paths, headers, seconds=WARM_SECONDS)
        rounds = {name: [] for name in cases}
        for _ in range(ROUNDS):
            for name, (paths, headers) in cases.items():
                rounds[name].append((measured(["/bench/bare"], {}), measured(paths, headers)))
        server.close()
        results.update(rounds)
        if with_memory:
            results["memory"] = memory(base, master, cookie, project_id)
    return results


def memory(base: str, master, cookie: str, project_id: int) -> dict:
    """RSS of each worker after a 2,000-request warm-up and after 10,000 more, and the peak."""
    mix = ["/", f"/projects/{project_id}", "/live", f"/projects/{project_id}/live", "/values",
           "/bench/bare"]
    load.run_count(base, mix, cookie=cookie, count=2000)
    warm = {pid: memory_kb(pid) for pid in worker_pids(master)}
    run = load.run_count(base, mix, cookie=cookie, count=MEMORY_REQUESTS)
    after = {pid: memory_kb(pid) for pid in worker_pids(master)}
    return {"warm": warm, "after": after, "requests": run.requests, "errors": run.errors}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run([load.wrk_path(), "--version"], capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb,
            "os": platform.platform(), "python": platform.python_version(), "commit": commit,
            "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def main() -> None:
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    started = time.perf_counter()
    results = {"machine": machine(), "accounts": ACCOUNTS, "answers": ANSWERS,
               "seconds": SECONDS, "rounds": ROUNDS, "load_average": []}

    def step(what: str) -> None:
        # The 1-minute load average as each step starts: how busy the shared machine was.
        results["load_average"].append(os.getloadavg()[0])
        print(f"{what} ...", flush=True)

    step("PDF")
    results["pdf"] = pdf.bench()
    step("CSV import")
    results["imports"] = imports.bench()
    with tempfile.TemporaryDirectory() as folder:
        for name, url in backends(folder).items():
            step(f"{name}: generating data")
            results[name] = {"data": prepare(url)}
            step(f"{name}: pages")
            results[name]["pages"] = pages(url, with_memory=name == "PostgreSQL")
            step(f"{name}: JSON API")
            results[name]["api"] = api.bench(url, rounds=ROUNDS, seconds=SECONDS)
            step(f"{name}: pulse writers")
            results[name]["pulses"] = pulses.bench(url)
            step(f"{name}: account health")
            results[name]["health"] = health.bench(url)
    results["load_average"].append(os.getloadavg()[0])
    results["total_seconds"] = time.perf_counter() - started
    # Kept (git-ignored) so the document can be re-rendered without re-running: `python -m
    # bench.run --render`.
    RESULTS.write_bytes(pickle.dumps(results))
    render()


def backends(folder: str, names: tuple[str, ...] = ("SQLite", "PostgreSQL")) -> dict[str, str]:
    """The benchmark's databases: a SQLite file in `folder`, and PostgreSQL made afresh."""
    urls = {"SQLite": f"sqlite:///{folder}/bench.db", "PostgreSQL": POSTGRES}
    return {name: fresh_postgres(urls[name]) if name == "PostgreSQL" else urls[name]
            for name in names}


def pages_only(*names: str) -> None:
    """`python -m bench.run pages [SQLite|PostgreSQL]`: only the pages, printed and not written
    to the document; for measuring a change to a page without the whole run."""
    with tempfile.TemporaryDirectory() as folder:
        for name, url in backends(folder, names or ("SQLite", "PostgreSQL")).items():
            print(f"{name}: generating data ({ACCOUNTS} accounts, {ANSWERS} answers) ...",
                  flush=True)
            prepare(url)
            load_average = os.getloadavg()[0]
            tables = report.pages_table(name, pages(url, with_memory=False))
            print("\n".join([*tables, f"(load average {load_average:.1f} at the start)", ""]),
                  flush=True)


def render() -> None:
    results = pickle.loads(RESULTS.read_bytes())  # noqa: S301 (our own file, just written)
    path = ROOT / "docs" / "benchmarks.md"
    path.write_text(report.render(results))
    print(f"Wrote {path} ({results['total_seconds']:.0f} s of benchmarks)")


if __name__ == "__main__":
    command, *names = sys.argv[1:] or [""]
    {"--render": render, "pages": lambda: pages_only(*names)}.get(command, main)()
