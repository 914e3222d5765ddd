"""Real servers for tests on 127.0.0.1: gunicorn serving the portal, a private PostgreSQL
cluster the test may stop and start, and just enough of a browser to talk to them."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support.mail import free_port


def postgres_bin() -> Path:
    """Where this machine's PostgreSQL server programs are (initdb, pg_ctl): Debian's
    postgresql package, newest version first, else what pg_config says."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                    key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if debian:
        return debian[-1].parent
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,  # noqa: S607
                           check=True, timeout=10)
    return Path(found.stdout.strip())


class Browser:
    """Just enough of a browser: keeps its cookies, never follows redirects; `headers` go with
    every request (e.g. X-Forwarded-For, as a proxy in front would add)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base, self.cookies, self.headers = base, {}, dict(headers or {})

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body,  # noqa: S310 (127.0.0.1)
                                         headers=self.headers)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, dict(response.headers), response.read().decode()

    def csrf_token(self, path: str) -> str:
        """The CSRF token in the form at `path` (valid for this session's later posts too)."""
        status, _, page = self.request(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, f"no CSRF token in the page at {path} ({status})"
        return found.group(1)

    def post_form(self, path: str, data: dict, form_page: str | None = None):
        """Post a form with the CSRF token from the page that shows it (`path` by default)."""
        return self.request(path, {**data, "csrf_token": self.csrf_token(form_page or path)})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Gunicorn:
    """gunicorn with the portal on a free port of 127.0.0.1; stop() ends it."""

    def __init__(self, *, database_url: str, instance: Path, log: Path, workers: int = 2,
                 threads: int = 1, factory: str = "portal:create_app", **env: str) -> None:
        self.port, self.log, self.errors = free_port(), log, log.with_suffix(".errors")
        self.instance, self.factory = instance, factory
        inherited = {k: v for k, v in os.environ.items() if k != "PORTAL_SECRET_KEY"}
        # Unless given, the workers share instance/secret_key, made by the first to start.
        environment = {**inherited, "PORTAL_DATABASE_URL": database_url, **env}
        # A file, not a pipe: nobody reads a pipe while tests run, and a full one blocks workers.
        with self.errors.open("wb") as errors:
            self.process = self._start(environment, workers, threads, errors)
        self.base = f"http://127.0.0.1:{self.port}"

    def _start(self, environment: dict, workers: int, threads: int, errors) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "30",
             "--access-logfile", str(self.log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
             f"{self.factory}(instance_path={str(self.instance)!r})"],
            env=environment, stdout=subprocess.DEVNULL, stderr=errors,
        )

    def wait_until_serving(self, path: str = "/login", seconds: float = 30) -> None:
        """Until `path` answers at all (any status), bounded."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + path, timeout=2).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + self.errors.read_text()[-2000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, a free port), so a
    test can stop and start it without touching the machine's shared server."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        if self.owner:
            shutil.chown(self.folder, self.owner)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(postgres_bin() / tool), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop at once, as a crash or a restart would: every connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def worker_env(database_url: str, smtp_port: int, redis_url: str) -> dict[str, str]:
    """The environment of a background worker: this database, queue and SMTP server, and none
    of the PORTAL_ settings of the shell running the tests."""
    from tests.support.mail import BASE_URL

    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    return env | {
        "PORTAL_REDIS_URL": redis_url, "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "test-secret-key", "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(smtp_port), "PORTAL_BASE_URL": BASE_URL,
    }


@contextlib.contextmanager
def huey_consumer(env: dict[str, str], log_path: Path, *, periodic: bool = True):
    """A real `huey_consumer portal.tasks.huey` (one thread) with this environment, logging to
    `log_path`; stopped as an operator would (SIGINT), killed if it will not stop."""
    command = [str(Path(sys.executable).parent / "huey_consumer"), "portal.tasks.huey",
               "--workers", "1", "--worker-type", "thread"]
    with log_path.open("w") as log:
        consumer = subprocess.Popen(  # noqa: S603 (our own interpreter's consumer)
            command + ([] if periodic else ["--no-periodic"]), env=env, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            yield consumer
        finally:
            consumer.send_signal(signal.SIGINT)
            try:
                consumer.wait(timeout=15)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait(timeout=5)


def wait_for_mail(inbox, consumer: subprocess.Popen, seconds: float) -> None:
    """Wait until the inbox holds a message, the consumer dies or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not inbox.messages and time.monotonic() < deadline and consumer.poll() is None:
        time.sleep(0.1)
