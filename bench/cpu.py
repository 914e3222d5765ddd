"""CPU seconds spent serving a benchmark: gunicorn's master and workers and, on PostgreSQL, the
database server's backends that serve the benchmark's connections.

Throughput measured from outside moves with whatever else shares the machine; the requests a
server answers per CPU-second of its own processes barely does, which is why the page figures
are read that way (docs/benchmarks.md). The kernel counts each process's user and system time,
every thread included, in /proc/<pid>/stat.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.load import LoadResult
from bench.server import worker_pids

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")

# The database's own backends for this database, but not the one asking.
BACKENDS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")


def process_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process and all its threads; None once it has exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Fields after the command name (which may hold spaces) start at field 3, the state;
    # utime and stime are fields 14 and 15 (proc(5)).
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


@dataclass(frozen=True)
class Measured:
    """One load run with the CPU the server spent on it."""

    load: LoadResult
    cpu_seconds: float

    @property
    def per_cpu_second(self) -> float:
        """Requests answered per CPU-second of the server's processes."""
        return self.load.requests / self.cpu_seconds if self.cpu_seconds else 0.0


class ServerCpu:
    """Reads the CPU time of a gunicorn master, its workers and (PostgreSQL) the database's
    backends for the same database; `since(before)` is what they spent between two reads."""

    def __init__(self, master: subprocess.Popen, database_url: str) -> None:
        self.master = master
        postgres = make_url(database_url).get_backend_name() == "postgresql"
        self.engine = create_engine(database_url) if postgres else None

    def pids(self) -> list[int]:
        """The master, its workers and the database backends serving them."""
        pids = [self.master.pid, *worker_pids(self.master)]
        if self.engine is not None:
            with self.engine.connect() as connection:
                pids += connection.scalars(BACKENDS).all()
        return pids

    def read(self) -> dict[int, float]:
        """CPU seconds so far of each process serving the benchmark."""
        found = {pid: process_seconds(pid) for pid in self.pids()}
        return {pid: seconds for pid, seconds in found.items() if seconds is not None}

    def since(self, before: dict[int, float]) -> float:
        """CPU seconds spent since `before`; a process started meanwhile counts whole."""
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in self.read().items())

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
