"""Lighthouse scores of the pages a client sees most, written to docs/lighthouse.md.

    .venv/bin/python -m bench.lighthouse        (or `make lighthouse`)

Loads the demo into a throwaway SQLite database, serves it with gunicorn on 127.0.0.1 (the
production server, as bench/server.py starts it), signs in as the Acme client, and runs
Lighthouse 12 (../shared/tools/lighthouse, or LIGHTHOUSE=path: Debian's Chromium, headless) on
the dashboard, a project page, a closeout, values, process, a pulse page and sign-in. The
targets: accessibility and best practices 100, performance at least 95.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.server import ROOT, Browser, flask, gunicorn
from portal.devdata import demo

LIGHTHOUSE = Path(os.environ.get("LIGHTHOUSE", ROOT.parent.parent / "shared/tools/lighthouse"))
OUT = ROOT / "docs" / "lighthouse.md"
CLIENT = "client@acme.example"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0}


def client_pages(browser: Browser) -> dict[str, str]:
    """The pages to score, found as the client finds them: from the dashboard's links."""
    dashboard = browser.get("/")[2]
    project = re.search(r'href="(/projects/\d+)"', dashboard).group(1)
    closeout = re.search(r'href="(/projects/\d+/closeout)"', dashboard).group(1)
    pulse = re.search(r'href="(?:https?://[^/"]+)?(/pulses/[^"]+)"', dashboard).group(1)
    return {"Dashboard": "/", "Project page": project, "Closeout": closeout,
            "Values": "/values", "Process": "/process", "Pulse": pulse}


def score(url: str, headers: Path | None) -> dict[str, float]:
    """Lighthouse's category scores (0 to 1) for one URL."""
    env = dict(os.environ, LH_ARGS=f"--extra-headers={headers}" if headers else "")
    done = subprocess.run([str(LIGHTHOUSE), url], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    line = done.stdout.strip().splitlines()[-1]
    return json.loads(line.split(" ", 1)[1].replace("'", '"'))


def report(rows: list[tuple[str, str, dict[str, float]]]) -> str:
    """docs/lighthouse.md: one row per page, a mark where a score misses its target."""
    lines = [
        "# Lighthouse scores", "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make lighthouse` "
        "(bench/lighthouse.py):",
        "Lighthouse 12, Debian's Chromium headless, its default mobile emulation and simulated",
        "throttling, against gunicorn serving the demo data on 127.0.0.1, signed in as the Acme",
        "client (sign-in and the pulse page signed out). Targets: accessibility and best",
        "practices 100, performance at least 95; a ✗ marks a miss.", "",
        "| page | path | " + " | ".join(CATEGORIES) + " |",
        "|---|---|" + "---:|" * len(CATEGORIES),
    ]
    for name, path, scores in rows:
        cells = []
        for category in CATEGORIES:
            value = round(scores.get(category, 0) * 100)
            miss = category in TARGETS and scores.get(category, 0) < TARGETS[category]
            cells.append(f"{value}{' ✗' if miss else ''}")
        lines.append(f"| {name} | `{re.sub(r'/pulses/.*', '/pulses/<token>', path)}` | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{Path(tmp) / 'portal.db'}"
        flask(database, "db", "upgrade")
        flask(database, "demo")
        with gunicorn(database) as (base, _):
            browser = Browser(base)
            browser.sign_in(CLIENT, demo.DEFAULT_PASSWORD)
            headers = Path(tmp) / "headers.json"
            headers.write_text(json.dumps({"Cookie": browser.cookie_header()}))
            pages = client_pages(browser)
            rows = []
            for name, path in [*pages.items(), ("Sign in", "/login")]:
                signed_in = name not in ("Sign in", "Pulse")
                rows.append((name, path, score(base + path, headers if signed_in else None)))
                print(name, rows[-1][2], flush=True)
    OUT.write_text(report(rows))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
