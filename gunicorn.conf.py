"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS; the few that differ
between machines read PORTAL_WEB_* variables. docs/deployment.md explains the choices.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from portal.web import redaction

bind = os.environ.get("PORTAL_WEB_BIND", "127.0.0.1:8000")
# Workers from the CPU count: 2 per core plus one, the usual rule for a mostly-CPU Flask app
# whose requests also wait on the database.
workers = int(os.environ.get("PORTAL_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker keep connections alive and overlap database waits.
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_WEB_THREADS", 4))
keepalive = 5
# A closeout PDF rendered on the request path (when the cached one is stale) can take seconds;
# 60 s leaves room for a large one on a busy machine without hiding a stuck worker for long.
timeout = int(os.environ.get("PORTAL_WEB_TIMEOUT", 60))
graceful_timeout = 30
# Recycle a worker after this many requests (0: never). A guard against slow leaks; the
# benchmarks run with 0 so that they see any growth.
max_requests = int(os.environ.get("PORTAL_WEB_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
# Build the app once in the master (faster start, shared memory pages); each worker then drops
# the database connections it inherited so no two processes share a socket.
preload_app = True
accesslog = os.environ.get("PORTAL_WEB_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("PORTAL_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")


class TokenRedactingLogger(Logger):
    """gunicorn's logger with the bearer tokens of emailed links (/pulses/<token>,
    /unsubscribe/<token>, sign-in, reset and invitation links) cut out of the access and
    error logs, whatever the access log format: /pulses/[token]."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        redaction.install(self.access_log, self.error_log)


logger_class = TokenRedactingLogger


def post_fork(server, worker) -> None:
    """Forget pooled connections made in the master before the fork (close=False: the
    master's own sockets stay open for it; the worker opens its own)."""
    from portal.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
