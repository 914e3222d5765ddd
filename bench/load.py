"""Load from a second process: wrk (Debian's package) on 127.0.0.1, bounded in time and count."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Stops each wrk thread after `limit` responses, so a run is bounded in count as well as time;
# paths rotate so one run can mix pages.
LUA = """
local paths = {%(paths)s}
local limit = %(limit)d
local counter, done = 0, 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
response = function(status, headers, body)
  done = done + 1
  if limit > 0 and done >= limit then wrk.thread:stop() end
end
"""

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass(frozen=True)
class LoadResult:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses and socket errors


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    return path


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def parse(output: str) -> LoadResult:
    """Requests/sec, p50, p99, request count and errors from `wrk --latency` output."""
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return LoadResult(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def run_count(base: str, paths: list[str], *, cookie: str, count: int, max_seconds: int = 300,
              chunk_seconds: int = 5) -> LoadResult:
    """About `count` requests, in short wrk runs (a stopped wrk thread still waits out its
    duration, so a long run would idle); gives up after max_seconds."""
    done, errors, elapsed, runs = 0, 0, 0, []
    while done < count and elapsed < max_seconds:
        result = run(base, paths, cookie=cookie, seconds=chunk_seconds, limit=count - done)
        done, errors = done + result.requests, errors + result.errors
        elapsed += chunk_seconds
        runs.append(result)
    worst = max(runs, key=lambda r: r.p99_ms)
    return LoadResult(rps=done / max(elapsed, 1), p50_ms=runs[0].p50_ms, p99_ms=worst.p99_ms,
                      requests=done, errors=errors)


def run(base: str, paths: list[str], *, cookie: str, seconds: int = 8, connections: int = 16,
        threads: int = 2, limit: int = 0, headers: dict[str, str] | None = None) -> LoadResult:
    """wrk against the paths (rotating) with the session cookie; at most `limit` responses."""
    script = LUA % {"paths": ", ".join(f'"{p}"' for p in paths),
                    "limit": -(-limit // threads) if limit else 0}
    with tempfile.TemporaryDirectory() as folder:
        lua = Path(folder) / "load.lua"
        lua.write_text(script)
        command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                   "--timeout", "10s", "-s", str(lua), "-H", f"Cookie: {cookie}"]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        done = subprocess.run([*command, base + paths[0]], capture_output=True, text=True,
                              check=True, timeout=seconds + 60)
    return parse(done.stdout)
