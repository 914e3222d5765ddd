"""A wall-clock limit on every request, so that no page can hold a worker for ever.

gunicorn's timeout cannot see a stuck request in a gthread worker: the worker's main loop keeps
beating while one request thread spins. So each process keeps one watchdog thread, and a
request still running REQUEST_SECONDS after it started gets RequestTimedOut raised in its own
thread (CPython's asynchronous exception, delivered between two bytecodes). A pure-Python loop
stops there; a call blocked in C (a database query, a regex) stops when it returns. The request
answers with the 503 page and the thread goes on serving. A request that swallows the
exception gets it again every REPEAT_SECONDS until it ends.

The normal path costs a lock and a dictionary entry per request.
"""

import contextlib
import ctypes
import logging
import os
import sys
import threading
import time

from flask import Flask, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db

log = logging.getLogger("portal.deadline")

REPEAT_SECONDS = 1.0

# PyThreadState_SetAsyncExc(thread id, exception class), and with NULL to take back one not yet
# raised; prototypes of our own so that nobody else's ctypes.pythonapi settings change.
_raise_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))
_take_back = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))


class RequestTimedOut(Exception):  # noqa: N818 (the words a log reader looks for)
    """The request ran past REQUEST_SECONDS and was stopped."""


class Watchdog:
    """One thread per process that stops the requests that outlive their deadline."""

    def __init__(self) -> None:
        self._pid: int | None = None

    def _start_here(self) -> None:
        """State and thread of this process: a gunicorn worker forks from a master that may
        have built the app, and a thread does not survive the fork."""
        self._due: dict[int, float] = {}  # request thread -> when to stop it (monotonic)
        self._stopped: set[int] = set()  # request threads that were sent the exception
        self._changed = threading.Condition()
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="request-deadline", daemon=True).start()

    def watch(self, seconds: float) -> None:
        """Stop the calling thread's request once `seconds` have passed, unless released."""
        if self._pid != os.getpid():
            self._start_here()
        due = time.monotonic() + seconds
        with self._changed:
            self._due[threading.get_ident()] = due
            if due <= min(self._due.values()):
                self._changed.notify()

    def disarm(self) -> None:
        """Send the calling thread no more exceptions: its request is answering its error."""
        with self._changed:
            self._due.pop(threading.get_ident(), None)

    def release(self) -> None:
        """Stop watching the calling thread, and take back an exception sent but not raised."""
        ident = threading.get_ident()
        with self._changed:
            self._due.pop(ident, None)
            stopped = ident in self._stopped
            self._stopped.discard(ident)
        if stopped:
            _take_back(ident, None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for ident, due in list(self._due.items()):
                    if due <= now:
                        self._stopped.add(ident)
                        self._due[ident] = now + REPEAT_SECONDS
                        _raise_in(ident, RequestTimedOut)
                wake = min(self._due.values(), default=None)
                self._changed.wait(None if wake is None else wake - now)


WATCHDOG = Watchdog()


class RequestDeadline:
    """WSGI middleware: each request is stopped once `seconds` have passed."""

    def __init__(self, app, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ, start_response):
        WATCHDOG.watch(self.seconds)
        try:
            return self.app(environ, start_response)
        except RequestTimedOut:
            # Raised after Flask had handled the request (in its last steps): no page to give.
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")],
                           sys.exc_info())
            return [b"This page took too long and was stopped.\n"]
        finally:
            _release()


def _release() -> None:
    """WATCHDOG.release(), even when the exception lands while it runs (it is raised once per
    REPEAT_SECONDS, so the second try finishes)."""
    for _ in range(3):
        try:
            WATCHDOG.release()
            return
        except RequestTimedOut:
            continue


def _timed_out(error: RequestTimedOut):
    """The 503 page for a stopped request, logged with where it was stuck."""
    WATCHDOG.disarm()
    log.warning("request %s to %s stopped after %s s", g.get("request_id"), request.path,
                current_app.config["REQUEST_SECONDS"], exc_info=error)
    with contextlib.suppress(SQLAlchemyError):  # it may have stopped inside a flush
        db.session.rollback()
    page = current_app.jinja_env.get_template("errors/timeout.html")
    return page.render(request_id=g.get("request_id", "")), 503


def register(app: Flask) -> None:
    """Limit every request to REQUEST_SECONDS (0 turns the limit off)."""
    seconds = float(app.config["REQUEST_SECONDS"])
    if seconds > 0:
        app.wsgi_app = RequestDeadline(app.wsgi_app, seconds)
        app.register_error_handler(RequestTimedOut, _timed_out)
