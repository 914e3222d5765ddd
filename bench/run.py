"""`make bench`: every benchmark, on SQLite and PostgreSQL, written to docs/benchmarks.md.

Each figure is a ratio against a baseline measured in the same run on the same server, so a
busy machine moves both sides. Load goes only to 127.0.0.1 and every run is bounded in time
and count. Scale with BENCH_ACCOUNTS and BENCH_ANSWERS (defaults keep `make bench` near 10 min).
`python -m bench.run pages` runs only the pages on SQLite and prints their table.
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

from bench import health, load, pdf, pulses, report
from bench.server import ROOT, Browser, flask, gunicorn, memory_kb, worker_pids

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 300))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", 300_000))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_run")
SECONDS = int(os.environ.get("BENCH_SECONDS", 6))
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
    """Each page against the bare endpoint, measured in pairs on one gunicorn."""
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
        for name, (paths, headers) in cases.items():
            bare = load.run(base, ["/bench/bare"], cookie=cookie, seconds=SECONDS)
            page = load.run(base, paths, cookie=cookie, seconds=SECONDS, headers=headers)
            results[name] = (bare, page)
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
               "seconds": SECONDS}
    print("PDF ...", flush=True)
    results["pdf"] = pdf.bench()
    with tempfile.TemporaryDirectory() as folder:
        backends = {"SQLite": f"sqlite:///{folder}/bench.db", "PostgreSQL": POSTGRES}
        for name, url in backends.items():
            if name == "PostgreSQL":
                fresh_postgres(url)
            print(f"{name}: generating data ...", flush=True)
            results[name] = {"data": prepare(url)}
            print(f"{name}: pages ...", flush=True)
            results[name]["pages"] = pages(url, with_memory=name == "PostgreSQL")
            print(f"{name}: pulse writers ...", flush=True)
            results[name]["pulses"] = pulses.bench(url)
            print(f"{name}: account health ...", flush=True)
            results[name]["health"] = health.bench(url)
    results["total_seconds"] = time.perf_counter() - started
    # Kept (git-ignored) so the document can be re-rendered without re-running: `python -m
    # bench.run --render`.
    RESULTS.write_bytes(pickle.dumps(results))
    render()


def pages_only() -> None:
    """`python -m bench.run pages`: only the pages, on SQLite, printed and not written to the
    document; for measuring a change to a page without the whole run."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        print(f"SQLite: generating data ({ACCOUNTS} accounts, {ANSWERS} answers) ...", flush=True)
        prepare(url)
        print("\n".join(report.pages_table("SQLite", pages(url, with_memory=False))))


def render() -> None:
    results = pickle.loads(RESULTS.read_bytes())  # noqa: S301 (our own file, just written)
    path = ROOT / "docs" / "benchmarks.md"
    path.write_text(report.render(results))
    print(f"Wrote {path} ({results['total_seconds']:.0f} s of benchmarks)")


if __name__ == "__main__":
    {"--render": render, "pages": pages_only}.get(" ".join(sys.argv[1:]), main)()
