"""Answers of reads kept in each worker, good while the tables they were read from are
unchanged (portal/api/freshness.py says how that is known on every request).

A kept answer is the body and ETag exactly as sent, under the request's path and query, for
any key with the read's scope: every read key sees the same firm-wide records. Only answers
of 200 are kept, so a refusal or a missing id is always decided afresh.
"""

import threading
from typing import NamedTuple

from cachetools import LRUCache
from flask import Flask, Response, current_app, request


class Kept(NamedTuple):
    """A read's answer as sent, and the versions of its tables when it was read."""

    stamp: int
    body: bytes
    etag: str


def _size(kept: Kept) -> int:
    return len(kept.body) + 200


class KeptAnswers:
    """Answers of reads, in this worker, bounded in bytes (least recently used out first);
    thread-safe (gunicorn's threads share it)."""

    def __init__(self, max_bytes: int) -> None:
        self.entries: LRUCache[str, Kept] = LRUCache(max(max_bytes, 1), getsizeof=_size)
        self.lock = threading.Lock()

    def get(self, key: str) -> Kept | None:
        """The answer kept under key, if any."""
        with self.lock:
            return self.entries.get(key)

    def keep(self, key: str, kept: Kept) -> None:
        """Keep an answer (not one larger than the whole budget)."""
        if _size(kept) <= self.entries.maxsize:
            with self.lock:
                self.entries[key] = kept


ANSWERS = "api.kept_answers"  # app.extensions key


def register(app: Flask) -> None:
    """Give this app its own, empty store of answers."""
    app.extensions[ANSWERS] = KeptAnswers(int(app.config["API_KEPT_ANSWER_BYTES"]))


def kept_answer(key: str, stamp: int) -> Response | None:
    """The answer kept for this request if its tables are unchanged since (a 304 when the
    caller has it already), else None."""
    kept = current_app.extensions[ANSWERS].get(key)
    if kept is None or kept.stamp != stamp:
        return None
    if kept.etag in request.if_none_match:
        return Response(status=304)
    response = Response(kept.body, mimetype="application/json")
    response.set_etag(kept.etag)
    return response


def keep_answer(key: str, stamp: int, response: Response) -> None:
    """Keep a read's answer (200 only), as sent, under the versions read with the key."""
    etag, _ = response.get_etag()
    if response.status_code == 200 and etag:
        current_app.extensions[ANSWERS].keep(key, Kept(stamp, response.get_data(), etag))


class Read(NamedTuple):
    """A read whose answers are kept: the tables it reads and the scope it needs."""

    tables: tuple[str, ...]
    scope: str


_reads: dict[str, Read] = {}


def keeps_answers(endpoint: str, tables: tuple[str, ...], scope: str) -> None:
    """Keep the answers of this endpoint, good while these tables are unchanged."""
    _reads[endpoint] = Read(tables, scope)


def read_of(endpoint: str | None) -> Read | None:
    """The kept-answer read behind an endpoint, if it is one."""
    return _reads.get(endpoint or "")
