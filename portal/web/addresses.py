"""The portal's own address, for links that leave the browser (emails, PDFs)."""

from flask import Flask, has_request_context, request

# Where `make run` serves by default: the address of last resort, for a process serving nothing.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
EVERY_INTERFACE = {"0.0.0.0", "::", ""}  # noqa: S104 (names of a bind, not a bind)


def base_url(app: Flask) -> str:
    """PORTAL_BASE_URL when it is set (production requires it). Otherwise, while serving a
    request, the address and port of the socket the server is bound to, never the Host header
    a browser chose; otherwise (a worker) the default address."""
    configured = app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if not has_request_context():
        return DEFAULT_BASE_URL
    host = request.environ.get("SERVER_NAME", "")
    host = "127.0.0.1" if host in EVERY_INTERFACE else host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{request.environ.get('SERVER_PORT', '80')}"
