"""The JSON API: a page of 50 projects and one project, against the bare endpoint.

Same method as the pages (bench/run.py): one gunicorn, a warm-up, then rounds of (bare, API)
wrk runs, each with the CPU the server spent on it; the figure to trust is the CPU ratio.
Requests carry a real key (bearer), counted against the key's rate in Redis (raised here so
the benchmark is not refused); the same round trip reads Redis's count of writes, so a worker
looks the key up with the versions of the tables read (one statement) only when it moved, or
once a second (portal/api/write_count.py). As a program polling the API would, the same
reads repeat, so the workers answer from their kept answers (portal/api/kept.py); a second
gunicorn with PORTAL_API_KEPT_ANSWER_BYTES=0 measures every answer read and dumped afresh, as
after a change. The bare endpoint is asked without a cookie, as API calls are.
`python -m bench.api` runs it alone on a fresh SQLite database and prints the table.
"""

import os
import secrets
import statistics
import tempfile

from sqlalchemy import create_engine, text

from bench import cpu, load
from bench.report import cpu_ratios, throughput_ratios
from bench.server import flask, gunicorn

TARGET = 0.5
# Per-key counts in Redis, as production keeps them (memory:// is the development fallback).
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CASES = ("API: 50 projects", "API: one project")
FRESH = " (nothing kept)"  # the same reads, every answer read and dumped afresh
INTRO = ("`GET /api/v1/projects?limit=50` and `GET /api/v1/projects/<id>` with a read key, "
         "against `GET /bench/bare` asked without a cookie, as API calls are; per-key counts "
         "in Redis; answers kept by each worker while the projects table is unchanged, and "
         "(rows marked nothing kept) the same reads with `PORTAL_API_KEPT_ANSWER_BYTES=0`, "
         "as right after a change; the CPU ratio is the figure to trust (see Pages); the "
         "target is the kept rows'.")


def make_key(url: str) -> str:
    """A read key written straight into the database; its secret."""
    from portal.api.keys import SECRET_PREFIX, hash_secret

    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO api_key (name, prefix, secret_hash, scopes, created_at) "
            "VALUES ('bench', :prefix, :hash, 'read', CURRENT_TIMESTAMP)"),
            {"prefix": secret[:12], "hash": hash_secret(secret)})
        project_id = connection.scalar(text("SELECT min(id) FROM project"))
    engine.dispose()
    return secret, project_id


def bench(url: str, *, rounds: int = 5, seconds: int = 4) -> dict[str, list]:
    """Rounds of (bare, API) runs for each case, with answers kept and with none kept."""
    secret, project_id = make_key(url)
    headers = {"Authorization": f"Bearer {secret}"}
    cases = {CASES[0]: "/api/v1/projects?limit=50", CASES[1]: f"/api/v1/projects/{project_id}"}
    results: dict[str, list] = {}
    for suffix, kept_bytes in (("", "32000000"), (FRESH, "0")):
        with gunicorn(url, PORTAL_API_LIMIT_PER_KEY="100000000 per minute",
                      PORTAL_RATELIMIT_STORAGE_URI=REDIS,
                      PORTAL_API_KEPT_ANSWER_BYTES=kept_bytes) as (base, master):
            server = cpu.ServerCpu(master, url)

            def measured(path: str, extra: dict, run_seconds: int = seconds,
                         base=base, server=server) -> cpu.Measured:
                before = server.read()
                run = load.run(base, [path], cookie="", seconds=run_seconds, headers=extra)
                return cpu.Measured(run, server.since(before))

            for path in ("/bench/bare", *cases.values()):
                measured(path, headers, run_seconds=2)
            for name in cases:
                results[name + suffix] = []
            for _ in range(rounds):
                for name, path in cases.items():
                    results[name + suffix].append(
                        (measured("/bench/bare", {}), measured(path, headers)))
            server.close()
    return results


def section(name: str, results: dict[str, list]) -> list[str]:
    """The API table of one database."""
    lines = [f"### {name}: JSON API under gunicorn (2 workers, gthread x4), 16 connections, "
             f"medians of {len(results[CASES[0]])} rounds", "",
             "| request | **CPU ratio** | rounds' range | target | rps | bare rps "
             "| throughput ratio | p50 ms | p99 ms | errors |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for case in [case + suffix for suffix in ("", FRESH) for case in CASES]:
        runs = results.get(case)
        if not runs:  # results kept before the fresh rows were measured
            continue
        ratio = statistics.median(cpu_ratios(runs))
        errors = sum(bare.load.errors + api.load.errors for bare, api in runs)
        target = ("—" if case.endswith(FRESH) else
                  f"≥{TARGET:.2f}: {'met' if ratio >= TARGET else '**missed**'}")
        lines.append(
            f"| {case} | **{ratio:.2f}** | {min(cpu_ratios(runs)):.2f}–"
            f"{max(cpu_ratios(runs)):.2f} | {target} | "
            f"{statistics.median(api.load.rps for _, api in runs):.0f} | "
            f"{statistics.median(bare.load.rps for bare, _ in runs):.0f} | "
            f"{statistics.median(throughput_ratios(runs)):.2f} | "
            f"{statistics.median(api.load.p50_ms for _, api in runs):.1f} | "
            f"{statistics.median(api.load.p99_ms for _, api in runs):.1f} | {errors} |")
    return [*lines, ""]


def main() -> None:
    """On a fresh SQLite file with bench data; prints the table."""
    accounts = os.environ.get("BENCH_ACCOUNTS", "100")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        flask(url, "db", "upgrade")
        flask(url, "bench-data", "--accounts", accounts, "--answers", "20000")
        print("\n".join(section("SQLite", bench(url))))


if __name__ == "__main__":
    main()
