"""Literal defaults. PORTAL_* environment variables override them in create_app()."""


class Defaults:
    """Settings for development; production sets PORTAL_ENV=production and a secret key."""

    ENV = "development"
    SECRET_KEY = None  # generated once into instance/secret_key outside production
    DATABASE_URL = None  # None means the SQLite file instance/portal.db
    REDIS_URL = None  # background jobs in Redis; unset keeps them in instance/huey.db (SQLite)
    SMTP_HOST = None  # unset: emails wait in the outbox until it is set
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10  # seconds for connecting and for each SMTP reply
    MAIL_FROM = "portal@localhost"
    OUTBOX_BATCH_SIZE = 50  # messages one delivery run claims, one at a time
    OUTBOX_MAX_ATTEMPTS = 10  # then the message is marked failed (and kept)
    OUTBOX_RETRY_SECONDS = 60  # first retry delay; it doubles per attempt, up to 6 hours
    OUTBOX_LEASE_SECONDS = 300  # a message claimed this long ago by a silent worker is retried
    UNSUBSCRIBE_MAX_AGE_DAYS = 365  # how long the unsubscribe link in an email keeps working
    # The public address for links in emails and PDFs. Unset (development), links follow the
    # address the server is bound to (`make run PORT=5820` links to :5820); production requires it.
    BASE_URL = None
    FIRM_NAME = "Northwind Partners"
    PULSE_MIN_DAYS_BETWEEN = 14  # at most one pulse per client user in this many days
    PULSE_PERIODIC_DAYS = 30  # a periodic pulse to each client user this often
    PULSE_ANSWER_DAYS = 14  # days after a pulse is sent that it can be answered
    # Defaults of the admin-set ask settings (portal/notifications/asks.py), until one is saved:
    PULSE_REMINDER_DAYS = (3, 7)  # an unanswered pulse is reminded on these days after sending
    QUIET_HOURS = (20, 8)  # non-urgent email to a client waits from 20:00 to 08:00 local
    QUIET_WEEKENDS = True  # and all Saturday and Sunday, until Monday 08:00
    # False turns quiet hours off whatever the admin saved (the test suite, whose emails
    # must not depend on the hour it runs at; the quiet-hours tests turn them on).
    QUIET_HOURS_ENABLED = True
    PDF_PAGE_SIZE = "A4"  # or "Letter": the paper size of generated PDFs
    PDF_RENDER_SECONDS = 20  # a PDF render is stopped after this long (below gunicorn's timeout)
    PDF_RENDER_MEMORY_MB = 1024  # and may not grow its process past this much memory
    # Any request still running after this long is stopped with a 503 page (portal/web/deadline.py):
    # below gunicorn's timeout (60), above PDF_RENDER_SECONDS; 0 turns the limit off.
    REQUEST_SECONDS = 30
    LIVE_POLL_SECONDS = 15  # how often open pages ask whether anything changed
    BENCH = False  # PORTAL_BENCH=1 adds GET /bench/bare, the benchmarks' baseline page
    PROXY_HOPS = 0  # proxies in front that set X-Forwarded-*; 0 trusts none of those headers

    # Sessions (portal/auth/sessions.py).
    SESSION_IDLE_MINUTES = 30  # signed out after this long without a request
    SESSION_MAX_HOURS = 12  # and this long after signing in, however active
    REMEMBER_DAYS = 14  # "keep me signed in" lasts at most this long
    REAUTH_MINUTES = 10  # password, two-factor and role changes need a sign-in this recent
    # Failed sign-ins, counted in the database (portal/auth/throttle.py): after this many from
    # one address for one account, that address waits before its next try is even checked,
    # the first delay doubling with each further failure up to the longest; the account's owner
    # elsewhere is not held up until the account's own, looser count is reached.
    SIGN_IN_FREE_FAILURES = 5
    SIGN_IN_FIRST_DELAY_SECONDS = 2
    SIGN_IN_MAX_DELAY_SECONDS = 900
    SIGN_IN_ACCOUNT_FREE_FAILURES = 50  # failures for one account from all addresses together
    # Rate limits on failed attempts (portal/auth/limits.py), in Flask-Limiter's notation.
    SIGN_IN_LIMIT_PER_ADDRESS = "20 per 15 minutes"  # whatever the accounts tried
    SENSITIVE_FORM_LIMIT = "5 per 15 minutes"  # password and two-factor pages, per user
    # Every request counts for these (portal/auth/limits.py).
    EMAIL_LINK_LIMIT_PER_ACCOUNT = "5 per hour"  # reset and sign-in link requests, per email
    EMAIL_LINK_LIMIT_PER_ADDRESS = "20 per hour"  # and per client address
    PULSE_ANSWER_LIMIT_PER_TOKEN = "10 per hour"  # noqa: S105 (answers from one pulse link)
    PULSE_ANSWER_LIMIT_PER_ADDRESS = "120 per hour"  # answers from one address (an office)
    PDF_LIMIT_PER_USER = "20 per hour"  # closeout PDF downloads per signed-in user
    API_LIMIT_PER_KEY = "600 per minute"  # JSON API requests per key (portal/api/guard.py)
    # Bytes of read answers each worker keeps (portal/api/kept.py); 0 keeps none.
    API_KEPT_ANSWER_BYTES = 32_000_000
    # Seconds a worker reuses a key's lookup while Redis's count of writes stands still
    # (portal/api/write_count.py): how late a write that could not raise the count shows.
    API_KEY_RECHECK_SECONDS = 1.0
    # Questions and replies sent per client user (each emails the account owner).
    MESSAGE_LIMIT_PER_USER = "10 per hour;30 per day"

    # Webhooks (portal/webhooks/): each attempt's time limit, how long a delivery is retried
    # (jittered exponential backoff from the first delay, capped), and how long an endpoint may
    # fail every attempt before it is disabled and its owner emailed.
    WEBHOOK_TIMEOUT_SECONDS = 10
    WEBHOOK_RETRY_HOURS = 24
    WEBHOOK_DISABLE_HOURS = 24
    WEBHOOK_FIRST_RETRY_SECONDS = 30
    WEBHOOK_MAX_RETRY_SECONDS = 6 * 3600
    WEBHOOK_LEASE_SECONDS = 120  # a delivery claimed this long ago by a silent worker is retried
    WEBHOOK_BATCH_SIZE = 50
    WEBHOOK_SECRET_OVERLAP_HOURS = 24  # a rotated secret keeps signing beside the new one
    # Finished deliveries (delivered or given up) and the events left without any are deleted
    # nightly once this many days old; nothing still waiting to be sent is ever deleted.
    WEBHOOK_RETENTION_DAYS = 30
    WEBHOOK_ALLOW_HTTP = False  # development and tests only: production refuses to start with it
    # Tests only (production refuses it): deliveries may go to 127.0.0.1 (the tests' receiver)
    # and 127.0.0.2 (where nothing listens: an address that refuses the connection).
    WEBHOOK_TEST_ALLOW_LOOPBACK = False

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
