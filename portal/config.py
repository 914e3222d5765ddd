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
    LIVE_POLL_SECONDS = 15  # how often open pages ask whether anything changed
    PROXY_HOPS = 0  # proxies in front that set X-Forwarded-*; 0 trusts none of those headers

    # Sessions (portal/auth/sessions.py).
    SESSION_IDLE_MINUTES = 30  # signed out after this long without a request
    SESSION_MAX_HOURS = 12  # and this long after signing in, however active
    REMEMBER_DAYS = 14  # "keep me signed in" lasts at most this long
    REAUTH_MINUTES = 10  # password, two-factor and role changes need a sign-in this recent
    # Rate limits on failed attempts (portal/auth/limits.py), in Flask-Limiter's notation.
    SIGN_IN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    SIGN_IN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    SENSITIVE_FORM_LIMIT = "5 per 15 minutes"  # password and two-factor pages, per user

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
