"""Start the portal under gunicorn (gunicorn.conf.py, 2 workers) on 127.0.0.1 and sign in."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 (local benchmark server only)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of every portal process in a benchmark run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY=SECRET, PORTAL_BENCH="1")
    env.update(extra)
    return env


def flask(database_url: str, *args: str) -> str:
    """Run `flask --app portal ...` against the database; its output."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "portal", *args], cwd=ROOT, env=portal_env(database_url),
        capture_output=True, text=True, check=True, timeout=1800,
    )
    return done.stdout


@contextmanager
def gunicorn(database_url: str, workers: int = 2, **extra: str):
    """gunicorn with the repo's config on a free port; yields (base URL, master process)."""
    port = free_port()
    env = portal_env(database_url, PORTAL_WEB_BIND=f"127.0.0.1:{port}",
                     PORTAL_WEB_WORKERS=str(workers), PORTAL_WEB_MAX_REQUESTS="0", **extra)
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stderr.close()


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll /healthz until it answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited: " + (process.stderr.read() or "")[-2000:])
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def worker_pids(master: subprocess.Popen) -> list[int]:
    """The gunicorn workers: the master's children."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1))
            for key in ("VmRSS", "VmHWM")}


class Browser:
    """A signed-in session against the server: cookies kept, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, **headers: str) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base + path, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/login")[2]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token}).encode()
        request = urllib.request.Request(self.base + "/login", data=data)  # noqa: S310
        with self.opener.open(request, timeout=30):
            pass
        if self.get("/")[0] != 200:
            raise RuntimeError(f"could not sign in as {email}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
