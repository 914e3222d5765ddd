"""Literal defaults. PORTAL_* environment variables override them in create_app()."""


class Defaults:
    """Settings for development; production sets PORTAL_ENV=production and a secret key."""

    ENV = "development"
    SECRET_KEY = None  # generated once into instance/secret_key outside production
    DATABASE_URL = None  # None means the SQLite file instance/portal.db
    REDIS_URL = None
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    MAIL_FROM = "portal@localhost"
    BASE_URL = "http://127.0.0.1:5000"
    FIRM_NAME = "Northwind Partners"
    PULSE_MIN_DAYS_BETWEEN = 14  # at most one pulse per client user in this many days
    PULSE_PERIODIC_DAYS = 30  # a periodic pulse to each client user this often
    PULSE_ANSWER_DAYS = 14  # how long an emailed pulse link can be answered
    PDF_PAGE_SIZE = "A4"  # or "Letter": the paper size of generated PDFs
    LIVE_POLL_SECONDS = 15  # how often open pages ask whether anything changed
    PROXY_HOPS = 0  # proxies in front that set X-Forwarded-*; 0 trusts none of those headers

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
