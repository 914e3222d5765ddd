"""Pulse answers from 8 concurrent writers, against the same writers' bare commit rate.

Each writer is its own process (as gunicorn workers are), with its own app and connection. It
answers pulses that were sent and never answered through services.record_answers, one commit
per pulse, as the answer page does. The baseline is the same 8 processes each inserting one
row into a scratch table per commit: the database's own rate for small write transactions.
"""

import multiprocessing
import random
import statistics
import time
from dataclasses import dataclass

from sqlalchemy import create_engine, text

WRITERS = 8


@dataclass(frozen=True)
class WriteResult:
    """Throughput and tail latency of one run."""

    per_second: float  # answers (or bare commits) per second, all writers together
    p99_ms: float
    commits: int
    errors: int


def _writer(url: str, ids: list[int], bare: bool, barrier, results) -> None:
    import os

    os.environ["PORTAL_DATABASE_URL"] = url
    from portal import create_app
    from portal.extensions import db
    from portal.pulses import services
    from portal.pulses.models import PulseRequest

    app = create_app({"SECRET_KEY": "bench"})
    rng, latencies, answers, errors = random.Random(ids[0] if ids else 0), [], 0, 0
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connect before the clock starts
        db.session.rollback()
        barrier.wait()
        for request_id in ids:
            started = time.perf_counter()
            try:
                if bare:
                    db.session.execute(text("INSERT INTO bench_commit (n) VALUES (:n)"),
                                       {"n": request_id})
                    written = 1
                else:
                    request = db.session.get(PulseRequest, request_id)
                    questions = request.template.questions
                    scores = {q.id: rng.randint(*q.scale.bounds) for q in questions}
                    written = len(services.record_answers(request, scores=scores, comments={}))
                db.session.commit()
                answers += written
            except Exception:  # any failure is what this benchmark counts
                db.session.rollback()
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
    results.put((answers, errors, latencies))


def _run(url: str, slices: list[list[int]], bare: bool) -> WriteResult:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(slices) + 1), context.Queue()
    workers = [context.Process(target=_writer, args=(url, ids, bare, barrier, results))
               for ids in slices]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=30)
    latencies = sorted(ms for _, _, values in outcomes for ms in values)
    return WriteResult(
        per_second=sum(a for a, _, _ in outcomes) / elapsed,
        p99_ms=statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0.0,
        commits=len(latencies), errors=sum(e for _, e, _ in outcomes),
    )


def unanswered(url: str, count: int) -> list[int]:
    """Ids of pulses sent and never answered, spread over accounts."""
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = list(connection.scalars(text(
            "SELECT id FROM pulse_request WHERE state = 'sent' ORDER BY id DESC LIMIT :n"),
            {"n": count}))
    engine.dispose()
    return ids


def bench(url: str, pulses_per_writer: int = 250) -> dict[str, WriteResult]:
    """Answer WRITERS x pulses_per_writer pulses; then the bare commits, as many."""
    ids = unanswered(url, WRITERS * pulses_per_writer)
    slices = [ids[i::WRITERS] for i in range(WRITERS)]
    engine = create_engine(url)
    with engine.begin() as connection:
        key = "SERIAL" if url.startswith("postgresql") else "INTEGER"
        connection.execute(text(f"CREATE TABLE bench_commit (id {key} PRIMARY KEY, n INTEGER)"))
    try:
        bare = _run(url, slices, bare=True)
        portal = _run(url, slices, bare=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE bench_commit"))
        engine.dispose()
    return {"bare": bare, "portal": portal}
